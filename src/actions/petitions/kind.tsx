import { hoursToDays, type KindModule } from '../kinds.js';
import { seedPetitionDemo } from './demo.js';
import { confirmedSignaturesPerHour, countConfirmedSignatures } from './queries.js';
import { petitionJobs, petitionRecurringJobs } from './jobs.js';
import { petitionAdminRoutes, petitionPublicRoutes } from './routes.js';
import { eraseSignaturesOf, petitionActArea, shownSigners, signaturesFor } from './service.js';
import { PetitionSettingsSchema, type PetitionSettings } from './settings.js';
import { PetitionActArea, PetitionSettingsFields, settingsToValues, ShownSigners } from './views.js';

// Petitions as one kind of action: the supporter signs with their name, email and (per petition) postcode; the
// signature counts once confirmed by email (a setting, on by default); one signature per address per petition;
// names are private unless the signer chooses to show their first name and town.

/** The petition kind, as the actions capability wires it. */
export const petitionKind: KindModule<PetitionSettings> = {
  kind: 'petition',
  label: 'Petition',
  noun: ['signature', 'signatures'],
  settingsSchema: PetitionSettingsSchema,
  SettingsFields: PetitionSettingsFields,
  settingsToValues,
  async ActArea({ core, action, timeZone }) {
    return <PetitionActArea {...await petitionActArea(core, action)} timeZone={timeZone} />;
  },
  async ResultArea({ core, action }) {
    return action.settings.showSigners ? <ShownSigners signers={await shownSigners(core, action.id)} /> : null;
  },
  publicRoutes: petitionPublicRoutes,
  adminRoutes: petitionAdminRoutes,
  jobs: petitionJobs,
  recurring: petitionRecurringJobs,
  countConfirmed: (db, actionId) => countConfirmedSignatures(db, actionId),
  countsByDay: async (db, actionId, timeZone) => hoursToDays(await confirmedSignaturesPerHour(db, actionId), timeZone),
  adminLinks: (action) => [
    { href: `/admin/actions/${action.id}/signers`, label: 'Signers shown on the page' },
    { href: `/admin/actions/${action.id}/signatures.csv`, label: 'Download the signatures (CSV)' },
  ],
  erase: eraseSignaturesOf,
  exportFor: signaturesFor,
  auditWords: {
    'petition.signer.hide': 'took a signer’s name off the public list of',
    'petition.signatures.export': 'downloaded the signatures of',
  },
  demo: seedPetitionDemo,
};

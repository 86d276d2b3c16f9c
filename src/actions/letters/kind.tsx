import type { ActAreaProps, KindModule } from '../kinds.js';
import type { ActionKind } from '../tables.js';
import { LetterSettingsFields } from './admin-views.js';
import { seedLettersDemo } from './demo.js';
import { letterJobs, letterRecurringJobs } from './jobs.js';
import {
  countConfirmedLetters,
  confirmedLettersByDay,
  eraseLettersOf,
  lettersWaiting,
  letterActAreaData,
  LetterSettingsSchema,
  lettersFor,
  letterSettingsToValues,
  messageWords,
  type LetterSettings,
} from './service.js';
import { letterAdminRoutes } from './admin-routes.js';
import { letterPublicRoutes } from './routes.js';
import { LetterActArea } from './views.js';

// Letters to MPs and emails to targets are two kinds of action sharing one letter flow: the supporter writes (or
// edits) a letter, previews it addressed to its recipients, confirms by email, and it is sent from the platform
// with Reply-To the supporter. A letter to an MP starts with the postcode, which finds the MP; an email to a
// target goes to every target staff listed. The routes, jobs and recurring jobs are registered once, by the
// letter-to-MP kind, and serve both kinds (the frame calls each kind's hooks, and a route may exist only once).

/** The letters' audit codes in words (recorded for both letter kinds; described once, by the letter-to-MP kind). */
const LETTER_AUDIT_WORDS = {
  'letter.approve': 'approved a held letter in',
  'letter.reject': 'rejected a held letter in',
  'letter.retry_delivery': 'retried the delivery of a letter in',
  'letters.export': 'downloaded the letter writers of',
};

/** Admin pages of a letter action, linked from the action's admin page. */
function letterAdminLinks(a: { id: number; kind: ActionKind }): Array<{ href: string; label: string }> {
  const base = `/admin/actions/${a.id}/letters`;
  const w = messageWords(a.kind);
  const links = [
    { href: base, label: `${w.Many}: moderation and delivery` },
    { href: `${base}/export`, label: `Export ${w.one} writers` },
  ];
  if (a.kind === 'letter_mp') links.splice(1, 0, { href: `${base}/responses`, label: 'MP response figures' });
  return links;
}

/** The part of the action page where a supporter writes, its data loaded by the service. */
async function letterActArea(p: ActAreaProps<LetterSettings>) {
  return <LetterActArea action={p.action} {...await letterActAreaData(p.core, p.action)} />;
}

export const letterToMpKind: KindModule<LetterSettings> = {
  kind: 'letter_mp',
  label: 'Letter to MPs',
  noun: ['letter', 'letters'],
  settingsSchema: LetterSettingsSchema,
  SettingsFields: (p) => <LetterSettingsFields kind="letter_mp" values={p.values} errors={p.errors} />,
  settingsToValues: letterSettingsToValues,
  ActArea: letterActArea,
  publicRoutes: letterPublicRoutes,
  adminRoutes: letterAdminRoutes,
  jobs: letterJobs,
  recurring: letterRecurringJobs,
  countConfirmed: countConfirmedLetters,
  countsByDay: confirmedLettersByDay,
  adminLinks: letterAdminLinks,
  // Both letter kinds share the letters table: one erases for both.
  erase: eraseLettersOf,
  exportFor: lettersFor,
  waiting: lettersWaiting,
  auditWords: LETTER_AUDIT_WORDS,
  demo: seedLettersDemo,
};

export const emailTargetKind: KindModule<LetterSettings> = {
  kind: 'email_target',
  label: 'Email to targets',
  noun: ['email', 'emails'],
  settingsSchema: LetterSettingsSchema,
  SettingsFields: (p) => <LetterSettingsFields kind="email_target" values={p.values} errors={p.errors} />,
  settingsToValues: letterSettingsToValues,
  ActArea: letterActArea,
  // routes, jobs and recurring jobs: registered once by letterToMpKind, for both kinds.
  countConfirmed: countConfirmedLetters,
  countsByDay: confirmedLettersByDay,
  adminLinks: letterAdminLinks,
  demo: seedLettersDemo,
};

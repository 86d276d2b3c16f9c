import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal } from '../core/time.js';
import { signupBlockData } from '../supporters/service.js';
import {
  changeActionStatus,
  createAction,
  createCampaign,
  kindModule,
  postActionUpdate,
  refreshActionCounts,
  setActionTargets,
  type ActionInput,
  type Kinds,
} from './service.js';

// The demo campaign of the fictional charity, with one action of each kind, each opened and given fictional
// participants by its kind's own demo. Written for the demo; every person and company in it is made up.

const DAY = 24 * 3600_000;

/** A day `days` from now, as YYYY-MM-DD in a time zone. */
function dayFromNow(days: number, timeZone: string): string {
  return utcToZonedLocal(Date.now() + days * DAY, timeZone).slice(0, 10);
}

/** Seeds the demo campaign and its four actions. */
export async function seedActionsDemo(kinds: Kinds, core: Core): Promise<void> {
  const tz = (await getSiteSettings(core.db)).timeZone;
  const lists = (await signupBlockData(core)).lists;
  const listId = lists[0]?.id ?? null;
  const campaign = await createCampaign(core, null, {
    title: 'Free the supply chain',
    summary:
      'Cotton picked and spun by people held in camps still ends up in clothes sold here. We are asking the government, our MPs and the brands to end it.',
    slug: 'free-the-supply-chain',
  });
  const base = (o: Partial<ActionInput> & Pick<ActionInput, 'title' | 'summary' | 'body'>): ActionInput => ({
    campaignId: campaign.id,
    slug: undefined,
    thankYou: '',
    result: '',
    deadline: null,
    goal: null,
    newsletterListId: listId,
    nextActionId: null,
    ...o,
  });

  const letter = await createAction(
    core,
    null,
    'letter_mp',
    base({
      title: 'Ask your MP to back an import ban on forced-labour goods',
      slug: 'write-to-your-mp-import-ban',
      summary: 'A letter in your own words carries weight with your MP. It takes five minutes.',
      body: [
        'Next month MPs will debate whether goods made with forced labour can still be sold in the UK. Your MP listens to',
        'the people who live in their constituency, and a letter in your own words is the most persuasive thing you can send.',
        '',
        'Tell them why this matters to you, and ask them to speak and vote for a ban on importing goods made by people held',
        'against their will.',
      ].join('\n'),
      thankYou: 'Thank you for writing. Your MP will reply to you directly, usually within a few weeks.',
      deadline: dayFromNow(45, tz),
    }),
    {
      talkingPoints:
        'Say where you live and why this matters to you.\nAsk them to speak in the debate.\nAsk them to vote for an import ban.',
      suggestedSubject: 'Please back a ban on goods made with forced labour',
    },
  );

  const petition = await createAction(
    core,
    null,
    'petition',
    base({
      title: 'Label the cotton: tell us where our clothes really come from',
      slug: 'label-the-cotton',
      summary: 'We are asking the government to require clothing sold in the UK to name the country where its cotton was grown.',
      body: [
        'A label that says "Made in Portugal" can hide cotton picked under coercion thousands of miles away. Shoppers have',
        'a right to know, and brands that check their supply chains have nothing to fear from saying so.',
        '',
        '**We call on the government to require every garment sold in the UK to name the country where its cotton was grown.**',
      ].join('\n'),
      thankYou: 'Thank you for signing. Every signature makes this harder to ignore.',
      goal: 10_000,
      deadline: dayFromNow(60, tz),
      nextActionId: letter.id,
    }),
    {},
  );

  const email = await createAction(
    core,
    null,
    'email_target',
    base({
      title: 'Ask Northway Apparel to publish its spinning mills',
      slug: 'email-northway-apparel',
      summary: 'Northway Apparel sells thousands of cotton garments a week but will not say where its yarn is spun.',
      body: [
        'Northway Apparel plc is a (fictional) high-street chain. Other brands publish the mills that spin their yarn;',
        'Northway says it cannot. Ask its leadership, politely and in your own words, to publish the list.',
      ].join('\n'),
      goal: 2_000,
      deadline: dayFromNow(30, tz),
    }),
    { suggestedSubject: 'Please publish the mills that spin your yarn' },
  );
  await setActionTargets(core, null, email.id, [
    { name: 'Dana Reyes', role: 'Chief Executive, Northway Apparel plc', email: 'dana.reyes@northway-apparel.example' },
    { name: 'Owen Achterberg', role: 'Head of Responsible Sourcing, Northway Apparel plc', email: 'sourcing@northway-apparel.example' },
  ]);

  const signOn = await createAction(
    core,
    null,
    'sign_on',
    base({
      title: 'Organisations’ statement: no forced labour in public procurement',
      slug: 'statement-public-procurement',
      summary: 'Charities, unions and faith groups asking public bodies never to buy goods made with forced labour.',
      body: [
        'We, the undersigned organisations, call on every public body in the UK to make sure that nothing it buys was made',
        'by people held against their will, and to publish how it checks.',
      ].join('\n'),
      newsletterListId: null,
    }),
    {},
  );

  for (const a of [petition, letter, email, signOn]) {
    await changeActionStatus(core, null, a.id, 'open');
    const opened = { ...a, status: 'open' as const };
    await kindModule(kinds, a.kind).demo?.(core, opened);
  }
  await postActionUpdate(core, null, petition.id, {
    kind: 'update',
    title: 'Five thousand of you in the first week',
    body: 'Thank you. We will hand the petition in to the Department for Business and Trade when it closes.',
    happenedOn: null,
  });
  // The counters start right rather than after the first minute's recount.
  await refreshActionCounts(core.db);
}

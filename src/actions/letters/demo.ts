import type { Core } from '../../core/context.js';
import { representativeFor } from '../../representatives/service.js';
import { emailIndex } from '../../supporters/service.js';
import type { Action } from '../kinds.js';
import { insertDelivery, insertLetter } from './queries.js';
import { FOLLOWUP_AFTER_MS, getLetterAction, targetRecipients, type LetterSettings } from './service.js';
import { fingerprint } from './similarity.js';

// Fictional letters for the demo's letter-to-MP and email-a-company actions: written in the past few days, some
// sent (a few with answers to "did your MP reply?"), one held for a moderator. They are recorded, never sent: the
// demo queues no jobs, so no real MP or address is ever written to. Every writer is made up; addresses use
// example.org.

const DAY = 24 * 3600_000;

interface DemoLetter {
  first: string;
  last: string;
  email: string;
  address: string;
  postcode: string;
  constituency: string;
  subject: string;
  body: string;
  daysAgo: number;
  reply?: 'yes' | 'no' | 'not_yet';
  held?: boolean;
}

const MP_LETTERS: DemoLetter[] = [
  {
    first: 'Amina',
    last: 'Rahman',
    email: 'amina.rahman@example.org',
    address: '14 Lark Rise\nAldershot',
    postcode: 'GU11 1AA',
    constituency: 'E14001063',
    subject: 'Please back a ban on goods made with forced labour',
    body: "I volunteer at a food bank where many of the people I meet work long hours for very little. It made me think about who makes the clothes we buy. I was shocked to learn that cotton picked under coercion can end up on our high streets with nothing on the label to say so. I am asking you to speak in next month's debate and to vote for a ban on importing goods made by people held against their will.",
    daysAgo: 20,
    reply: 'yes',
  },
  {
    first: 'Tom',
    last: 'Whitfield',
    email: 'tom.whitfield@example.org',
    address: '3 Chapel Row\nBrownhills',
    postcode: 'WS8 6AA',
    constituency: 'E14001064',
    subject: 'Forced labour import ban',
    body: 'I run a small knitwear business and we pay more to buy yarn we can trace. Firms that do the right thing are undercut by those who do not ask where their cotton comes from. A ban on goods made with forced labour would protect workers abroad and honest businesses here. Please vote for it, and tell me how you intend to vote when the debate comes.',
    daysAgo: 18,
    reply: 'no',
  },
  {
    first: 'Gulnar',
    last: 'Abdulla',
    email: 'gulnar.abdulla@example.org',
    address: 'Flat 2, 88 Station Road\nAldershot',
    postcode: 'GU11 1BB',
    constituency: 'E14001063',
    subject: 'My family and the forced labour debate',
    body: 'My aunt has not been heard from since she was taken to a so-called training centre. People from my community are sent to factories far from home and cannot refuse. When I buy a shirt I cannot know whether someone like her made it. I am asking you, as my MP, to support a ban on importing goods made with forced labour, and to speak up for the families who cannot.',
    daysAgo: 16,
    reply: 'not_yet',
  },
  {
    first: 'Priya',
    last: 'Nair',
    email: 'priya.nair@example.org',
    address: '27 Elm Grove\nWalsall Wood',
    postcode: 'WS9 9AA',
    constituency: 'E14001064',
    subject: 'Please back a ban on goods made with forced labour',
    body: 'As a teacher I talk to my pupils about fairness, and they ask me who makes their trainers. I would like to be able to tell them that our country does not allow goods made by people held against their will. Please support the ban when it is debated.',
    daysAgo: 3,
  },
  {
    first: 'Dafydd',
    last: 'Morgan',
    email: 'dafydd.morgan@example.org',
    address: '9 Hill View\nAldershot',
    postcode: 'GU12 4AA',
    constituency: 'E14001063',
    subject: 'Please back a ban on goods made with forced labour',
    body: 'Please back a ban on goods made with forced labour. Please speak in the debate and vote for an import ban on goods made by people held against their will. Please back a ban on goods made with forced labour.',
    daysAgo: 1,
    held: true,
  },
];

const TARGET_LETTERS: DemoLetter[] = [
  {
    first: 'Helen',
    last: 'Osei',
    email: 'helen.osei@example.org',
    address: '',
    postcode: '',
    constituency: '',
    subject: 'Please publish the mills that spin your yarn',
    body: 'I have shopped at Northway for years and my children wear your school uniforms. Other brands now publish the mills that spin their yarn, and I would like to know that yours does not come from forced labour. Please publish the list, as your competitors have.',
    daysAgo: 6,
  },
  {
    first: 'Marek',
    last: 'Kowalski',
    email: 'marek.kowalski@example.org',
    address: '41 Mill Lane\nLeeds',
    postcode: 'LS1 1AA',
    constituency: '',
    subject: 'Where is your yarn spun?',
    body: 'I work in logistics and know how much supply-chain data a retailer of your size holds. Saying you cannot name your spinning mills is not credible. Publishing them would be a simple step to show customers like me that you take forced labour seriously.',
    daysAgo: 4,
  },
  {
    first: 'Sofia',
    last: 'Lindqvist',
    email: 'sofia.lindqvist@example.org',
    address: '',
    postcode: '',
    constituency: '',
    subject: 'Please publish the mills that spin your yarn',
    body: 'Please publish the mills that spin your yarn. Please publish the mills that spin your yarn so that customers know your clothes are not made with forced labour.',
    daysAgo: 1,
    held: true,
  },
];

/** Adds fictional letters to a demo letter action (to MPs or to a company) that the demo has just opened. */
export async function seedLettersDemo(core: Core, given: Action<LetterSettings>): Promise<void> {
  const action = await getLetterAction(core.db, { id: given.id });
  if (!action) return;
  const now = Date.now();
  const forMp = action.kind === 'letter_mp';
  const targets = forMp ? [] : await targetRecipients(core.db, action.id);
  const enc = (v: string) => core.keyring.encrypt(v);
  let slot = 0;
  const letters = forMp ? MP_LETTERS : TARGET_LETTERS;
  // Looked up before the transaction: on SQLite a read through core.db inside it would wait for it forever.
  const mps = new Map<string, Awaited<ReturnType<typeof mpOf>>>();
  if (forMp) for (const l of letters) if (!mps.has(l.constituency)) mps.set(l.constituency, await mpOf(core, l.constituency));
  await core.db.transaction().execute(async (trx) => {
    for (const l of letters) {
      const at = now - l.daysAgo * DAY;
      const sent = !l.held;
      const id = await insertLetter(trx, {
        action_id: action.id,
        email_index: emailIndex(core.keyring, l.email),
        email_enc: enc(l.email),
        first_name_enc: enc(l.first),
        last_name_enc: enc(l.last),
        address_enc: l.address ? enc(l.address) : null,
        postcode_enc: l.postcode ? enc(l.postcode) : null,
        constituency_code: l.constituency || null,
        subject_enc: enc(l.subject),
        body_enc: enc(l.body),
        fingerprint: fingerprint(core.keyring, l.body),
        similarity: l.held ? 0.86 : 0.08,
        opt_in: 0,
        supporter_id: null,
        status: l.held ? 'held' : 'sent',
        hold_reason: l.held ? 'similar' : null,
        created_at: at - 600_000,
        confirmed_at: at,
        decided_at: null,
        decided_by: null,
        sent_at: sent ? at + 60_000 : null,
        followup_at: sent && forMp && l.reply === undefined ? at + FOLLOWUP_AFTER_MS : null,
        reply: l.reply ?? null,
        replied_at: l.reply ? at + 15 * DAY : null,
      });
      if (!sent) continue;
      const recipients = forMp
        ? (mps.get(l.constituency) ?? [])
        : targets.map((t) => ({ key: t.key, name: t.name, email: t.email, party: null }));
      for (const r of recipients) {
        // Recorded as sent, with no job behind it: the demo never writes to anyone.
        await insertDelivery(trx, {
          letter_id: id,
          action_id: action.id,
          recipient_key: r.key,
          recipient_name: r.name,
          recipient_email: r.email,
          party: r.party,
          status: 'sent',
          not_before: at + slot++,
          sent_at: at + 60_000,
          error: null,
          created_at: at,
        });
      }
    }
  });
}

async function mpOf(core: Core, code: string): Promise<Array<{ key: string; name: string; email: string; party: string | null }>> {
  const rep = await representativeFor(core, code).catch(() => undefined);
  if (!rep) return [];
  return [{ key: `mp:${code}`, name: rep.mp?.name ?? 'No sitting MP', email: rep.mp?.email ?? '', party: rep.mp?.party ?? null }];
}

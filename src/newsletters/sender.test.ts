import { expect, test } from 'vitest';
import { DEFAULT_SENDER, sendSlice, type Messenger, type Outcome, type Recipient, type SenderOptions, type SenderStore } from './sender.js';
import type { DeliveryStatus, NewsletterStatus } from './tables.js';

// The sender driven through in-memory fakes of its store and messenger: no database, no SMTP. The real ones are
// covered by sending.test.ts and faults.test.ts.

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface FakeDelivery {
  id: number;
  supporterId: number;
  status: DeliveryStatus;
  error: string | null;
}

/** The send's state in memory, with what the sender did to it. */
class FakeStore implements SenderStore {
  newsletterStatus: NewsletterStatus = 'sending';
  deliveries: FakeDelivery[];
  /** Supporters who may no longer be mailed (unsubscribed since the send started). */
  notMailable = new Set<number>();
  undeliverable = new Set<number>();
  lockHeld = false;
  released: Array<{ lastError?: string | null; next?: { runAt: number } }> = [];
  finished: string | null = null;
  /** Outcomes committed so far. */
  recorded = 0;
  commits = 0;

  constructor(
    count: number,
    private readonly o: { commitMs?: number; ratePerMinute?: number | null } = {},
  ) {
    this.deliveries = Array.from({ length: count }, (_, i) => ({ id: 100 + i, supporterId: 1 + i, status: 'pending', error: null }));
  }

  async takeLock() {
    if (this.newsletterStatus !== 'sending') return 'not_sending' as const;
    if (this.lockHeld) return 'held' as const;
    this.lockHeld = true;
    return 'taken' as const;
  }
  async renewLock() {
    return this.lockHeld ? this.newsletterStatus : null;
  }
  async status() {
    return this.lockHeld ? this.newsletterStatus : null;
  }
  async newsletter() {
    return { status: this.newsletterStatus, listId: 7, ratePerMinute: this.o.ratePerMinute ?? null };
  }
  async nextRecipients(o: { listId: number | null; afterId: number; limit: number }) {
    if (this.newsletterStatus !== 'sending') return [];
    return this.deliveries
      .filter((d) => d.status === 'pending' && d.id > o.afterId)
      .slice(0, o.limit)
      .map((d) => ({ deliveryId: d.id, recipient: this.notMailable.has(d.supporterId) ? null : recipientOf(d.supporterId) }));
  }
  async recordOutcomes(outcomes: readonly Outcome[]) {
    if (this.o.commitMs) await sleep(this.o.commitMs);
    for (const x of outcomes) {
      const d = this.deliveries.find((d) => d.id === x.id)!;
      d.status = x.status;
      if (x.status === 'failed') {
        d.error = x.error;
        if (x.undeliverable !== null) this.undeliverable.add(x.undeliverable);
      }
    }
    this.recorded += outcomes.length;
    this.commits++;
  }
  async hasPending() {
    return this.deliveries.some((d) => d.status === 'pending');
  }
  async release(o: { lastError?: string | null; next?: { runAt: number } }) {
    this.lockHeld = false;
    this.released.push(o);
  }
  async finish(o: { subject: string }) {
    if (this.newsletterStatus === 'sending') this.newsletterStatus = 'sent';
    this.lockHeld = false;
    this.finished = o.subject;
  }
  byStatus(status: DeliveryStatus): number[] {
    return this.deliveries.filter((d) => d.status === status).map((d) => d.supporterId);
  }
}

const recipientOf = (supporterId: number): Recipient => ({
  supporterId,
  publicId: `p${supporterId}`,
  email: `s${supporterId}@example.org`,
  firstName: null,
});

/** A messenger that takes every message (after `sendMs`), unless `refuse` says otherwise for it. */
class FakeMessenger implements Messenger {
  readonly subject = 'The cotton report';
  /** Supporter ids in the order their messages were handed over. */
  handed: number[] = [];
  /** Supporter ids whose messages were taken. */
  taken: number[] = [];
  refuse: (supporterId: number, nth: number) => unknown = () => undefined;
  onSend: (nth: number) => void = () => {};

  constructor(private readonly sendMs = 1) {}

  async send(_deliveryId: number, r: Recipient) {
    this.handed.push(r.supporterId);
    const nth = this.handed.length;
    this.onSend(nth);
    await sleep(this.sendMs);
    const err = this.refuse(r.supporterId, nth);
    if (err) throw err;
    this.taken.push(r.supporterId);
  }
}

const options: SenderOptions = { ...DEFAULT_SENDER, commitDelayMs: 5, pollMs: 5, sliceMs: 5_000 };
const run = (store: SenderStore, messenger: Messenger, o: Partial<SenderOptions> = {}) =>
  sendSlice({ store, openMessenger: async () => messenger, options: { ...options, ...o } });
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('each recipient is sent once, in order; those no longer mailable are skipped; then the newsletter is finished', async () => {
  const store = new FakeStore(300);
  store.notMailable.add(42);
  const messenger = new FakeMessenger();
  await run(store, messenger);
  const everyoneBut42 = ids(1, 300).filter((s) => s !== 42);
  expect(messenger.handed).toEqual(everyoneBut42);
  expect(store.byStatus('sent')).toEqual(everyoneBut42);
  expect(store.byStatus('skipped')).toEqual([42]);
  expect(store.finished).toBe('The cotton report');
  expect(store.newsletterStatus).toBe('sent');
  expect(store.lockHeld).toBe(false);
});

test('a recipient refused with 5xx is marked failed and their address undeliverable; the others are sent', async () => {
  const store = new FakeStore(50);
  const messenger = new FakeMessenger();
  messenger.refuse = (s) =>
    s === 7 ? Object.assign(new Error('550 5.1.1 no such user'), { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }) : undefined;
  await run(store, messenger);
  expect(store.byStatus('failed')).toEqual([7]);
  expect(store.deliveries.find((d) => d.supporterId === 7)!.error).toContain('no such user');
  expect([...store.undeliverable]).toEqual([7]);
  expect(store.byStatus('sent')).toEqual(ids(1, 50).filter((s) => s !== 7));
  expect(store.finished).not.toBeNull();
});

test('a message refused with 5xx is marked failed, but the address is not suppressed for it', async () => {
  const store = new FakeStore(20);
  const messenger = new FakeMessenger();
  messenger.refuse = (s) =>
    s === 3 ? Object.assign(new Error('554 message rejected'), { code: 'EMESSAGE', responseCode: 554 }) : undefined;
  await run(store, messenger);
  expect(store.byStatus('failed')).toEqual([3]);
  expect(store.undeliverable.size).toBe(0);
});

test('a connection error stops the slice: the rest stay pending, the error is kept, and the job fails to be retried', async () => {
  const store = new FakeStore(500);
  const messenger = new FakeMessenger();
  messenger.refuse = (_s, nth) =>
    nth >= 100 ? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ECONNECTION' }) : undefined;
  await expect(run(store, messenger)).rejects.toThrow('ECONNREFUSED');
  // Exactly the messages the server took are recorded as sent; everyone else is still pending, nobody failed or suppressed.
  expect(store.byStatus('sent').sort((a, b) => a - b)).toEqual([...messenger.taken].sort((a, b) => a - b));
  expect(store.byStatus('failed')).toEqual([]);
  expect(store.undeliverable.size).toBe(0);
  expect(store.byStatus('pending').length).toBe(500 - messenger.taken.length);
  expect(messenger.handed.length).toBeLessThan(100 + options.window);
  // The lock is let go with the error saved, and no next slice queued: the worker retries this job with backoff.
  const withError = store.released.find((r) => r.lastError !== undefined)!;
  expect(withError.lastError).toContain('ECONNREFUSED');
  expect(store.released.every((r) => r.next === undefined)).toBe(true);
  expect(store.lockHeld).toBe(false);
  expect(store.finished).toBeNull();
});

test('a pause stops the sender within one group of messages, leaving the rest pending', async () => {
  const store = new FakeStore(2_000);
  const messenger = new FakeMessenger(2);
  let pausedAt = 0;
  messenger.onSend = (nth) => {
    if (nth === 150) {
      store.newsletterStatus = 'paused';
      pausedAt = nth;
    }
  };
  await run(store, messenger);
  expect(pausedAt).toBe(150);
  expect(messenger.handed.length - pausedAt).toBeLessThanOrEqual(options.window);
  expect(store.byStatus('sent').length).toBe(messenger.taken.length);
  expect(store.byStatus('pending').length).toBe(2_000 - messenger.taken.length);
  // Paused: the lock is let go, and no next slice is queued (a resume queues one).
  expect(store.released.at(-1)!.next).toBeUndefined();
  expect(store.finished).toBeNull();
});

test('at most `window` messages are ever sent and not yet recorded, even when commits are slow', async () => {
  const store = new FakeStore(600, { commitMs: 40 });
  const messenger = new FakeMessenger(0);
  let most = 0;
  messenger.onSend = () => {
    most = Math.max(most, messenger.handed.length - store.recorded);
  };
  await run(store, messenger);
  expect(store.byStatus('sent').length).toBe(600);
  expect(most).toBeLessThanOrEqual(DEFAULT_SENDER.window);
  // The window was really reached (so the bound above was tested), and outcomes shared commits.
  expect(most).toBeGreaterThan(DEFAULT_SENDER.concurrency);
  expect(store.commits).toBeLessThan(600);
});

test('a slice that runs out of time hands over to a next slice and keeps its place', async () => {
  const store = new FakeStore(10_000);
  const messenger = new FakeMessenger(1);
  await run(store, messenger, { sliceMs: 150 });
  const sent = store.byStatus('sent');
  expect(sent.length).toBeGreaterThan(0);
  expect(sent).toEqual(ids(1, sent.length));
  expect(store.released.at(-1)!.next).toBeDefined();
  expect(store.finished).toBeNull();
});

test('throttled, messages go no faster than the rate', async () => {
  // 1,200 a minute: one every 50 ms, so about six in 300 ms.
  const store = new FakeStore(100, { ratePerMinute: 1_200 });
  const messenger = new FakeMessenger(0);
  await run(store, messenger, { sliceMs: 300 });
  expect(messenger.handed.length).toBeGreaterThanOrEqual(3);
  expect(messenger.handed.length).toBeLessThanOrEqual(7);
  expect(store.released.at(-1)!.next!.runAt).toBeGreaterThan(0);
});

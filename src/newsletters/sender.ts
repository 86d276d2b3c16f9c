import { redact } from '../core/log.js';
import type { NewsletterStatus } from './tables.js';

// The bulk sender. One job at a time sends a newsletter (the sender lock on its row says which), for a slice of
// time, then hands over to a fresh job: so a worker asked to stop is never held up for long, and a crash loses
// at most the slice's messages in flight. Within a slice the sender keeps up to `window` messages in flight,
// re-checks each recipient when it fetches them, and records each outcome right after its send: outcomes that
// finish together share one commit (group commit), but none waits for a later fetch, so progress is committed per
// send and never per fetch (the listmonk #3022 bug: marking a whole batch before sending it skips recipients after
// a crash).
//
// The sender knows nothing of the database or SMTP: it works through a SenderStore and a Messenger (listmonk's
// manager.Store and Messenger), so tests can drive it with fakes. The real ones are in jobs.ts.

export interface SenderOptions {
  /** Most messages handed to the mail server whose outcome is not yet committed: all a crash can repeat. */
  window: number;
  /** Most messages being sent at once: enough to keep every connection of the bulk pool busy, and no more (each holds memory). */
  concurrency: number;
  /**
   * How long an outcome waits for others to share its commit. On SQLite a commit's fsync holds up the whole
   * process (node:sqlite is synchronous), so a commit per message or two would spend most of the time there.
   */
  commitDelayMs: number;
  /** How long one job sends before handing over to the next. */
  sliceMs: number;
  /** How long the sender lock holds unless renewed (it is renewed every sixth of that). */
  lockMs: number;
  /** How often the sender rereads the newsletter's status: a pause or cancel stops it within this, between messages. */
  pollMs: number;
}

export const DEFAULT_SENDER: SenderOptions = {
  window: 64,
  concurrency: 10,
  commitDelayMs: 50,
  sliceMs: 10_000,
  lockMs: 60_000,
  pollMs: 100,
};

/** Recipients fetched (and re-checked) at once when not throttled: about a tenth of a second of sending. */
const CHUNK = 64;
/** The oldest a re-check may be when its message goes: fetched rows older than this are fetched (and checked) again. */
const MAX_CHECK_AGE_MS = 200;

/** Someone a message goes to, as re-checked just now. */
export interface Recipient {
  supporterId: number;
  publicId: string;
  email: string;
  firstName: string | null;
}

/** A pending delivery; recipient null when the supporter may no longer be mailed (unsubscribed, erased, suppressed). */
export interface PendingRecipient {
  deliveryId: number;
  recipient: Recipient | null;
}

/** What the sender needs to know of the newsletter at the start of a slice. */
export interface SliceNewsletter {
  status: NewsletterStatus;
  listId: number | null;
  /** The throttle: at most this many messages a minute (null: as fast as the mail server takes them). */
  ratePerMinute: number | null;
}

/** What happened to one delivery. `undeliverable` names the supporter whose address was refused for good. */
export type Outcome =
  | { id: number; status: 'sent' }
  | { id: number; status: 'skipped' }
  | { id: number; status: 'failed'; error: string; undeliverable: number | null };

/** Where a send keeps its state: the sender lock, the pending deliveries and their outcomes (the database, in jobs.ts). */
export interface SenderStore {
  /** Takes the sender lock until a time: 'held' while another sender has it, 'not_sending' when there is nothing to send. */
  takeLock(until: number): Promise<'taken' | 'held' | 'not_sending'>;
  /** Renews the lock (a write); returns the newsletter's status, or null when this sender no longer holds the lock. */
  renewLock(until: number): Promise<NewsletterStatus | null>;
  /** The newsletter's status (a cheap read), or null when this sender no longer holds the lock. */
  status(): Promise<NewsletterStatus | null>;
  /** The newsletter as the sender needs it, or undefined when it is gone. */
  newsletter(): Promise<SliceNewsletter | undefined>;
  /**
   * The next pending deliveries after a cursor, in id order, each recipient re-checked now against the list; none
   * once the newsletter is no longer sending.
   */
  nextRecipients(o: { listId: number | null; afterId: number; limit: number }): Promise<PendingRecipient[]>;
  /** Commits outcomes together (one transaction), marking addresses refused for good as undeliverable. */
  recordOutcomes(outcomes: readonly Outcome[]): Promise<void>;
  /** Whether any delivery is still pending. */
  hasPending(): Promise<boolean>;
  /** Lets the lock go, saving the last error when given (null clears it); with `next`, queues the next slice with it. */
  release(o: { lastError?: string | null; next?: { runAt: number } }): Promise<void>;
  /** Marks the newsletter sent (if it is still sending) and lets the lock go; `subject` is for the record of the send. */
  finish(o: { subject: string }): Promise<void>;
}

/** Sends one message; throws what the mail transport throws (nodemailer's errors, with code, command and responseCode). */
export interface Messenger {
  send(deliveryId: number, recipient: Recipient): Promise<void>;
  /** The subject as the record of the finished send shows it (no first name). */
  readonly subject: string;
}

/** Anything that can log a warning (pino). */
interface Warner {
  warn(obj: object, msg: string): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const message = (err: unknown) => redact(err instanceof Error ? err.message : String(err), 300);

/** Which failures are whose: the recipient's address (suppress it), this message (record it), or the mail server (retry later). */
export function classifySendError(err: unknown): 'address' | 'message' | 'temporary' {
  const e = err as { code?: string; command?: string; responseCode?: number };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
  // A recipient refused with 5xx, or an address nodemailer cannot even put in an envelope.
  if (e.code === 'EENVELOPE' && (e.command === 'RCPT TO' ? permanent : e.command === 'API')) return 'address';
  if (e.code === 'EMESSAGE' && permanent) return 'message';
  // Everything else (connection refused, timeouts, 4xx, a refused sender or login) is about the server or its
  // settings, not this recipient: suppressing addresses for it would silently empty the list.
  return 'temporary';
}

/** Records outcomes as they come, each group in one commit; add() resolves once that outcome is committed. */
class Recorder {
  private batch: Array<{ outcome: Outcome; done: () => void; fail: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: SenderStore,
    private readonly delayMs: number,
  ) {}

  add(outcome: Outcome): Promise<void> {
    const p = new Promise<void>((done, fail) => this.batch.push({ outcome, done, fail }));
    this.flushing ??= this.flush();
    return p;
  }

  private async flush(): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    while (this.batch.length) {
      const group = this.batch.splice(0, 500);
      try {
        await this.store.recordOutcomes(group.map((g) => g.outcome));
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.fail(err);
      }
    }
    this.flushing = undefined;
  }
}

/** What a slice is given: where the send's state is, how to open a messenger for the newsletter, and its limits. */
export interface SliceDeps {
  store: SenderStore;
  openMessenger(n: SliceNewsletter): Promise<Messenger>;
  options: SenderOptions;
  logger?: Warner;
  /** For the log line only. */
  newsletterId?: number;
}

/** Sends one slice of a newsletter: takes the lock, sends until the slice ends or the send stops, and hands over. */
export async function sendSlice(deps: SliceDeps): Promise<void> {
  const { store, options: o } = deps;
  const lock = await store.takeLock(Date.now() + o.lockMs);
  if (lock === 'not_sending') return;
  // Another job is sending it (a resume pressed while the paused sender was still finishing its last messages):
  // try again shortly, when that one has let go.
  if (lock === 'held') throw new Error('another sender is still finishing this newsletter; trying again shortly');
  await new Slice(deps).run();
}

/** One slice's state: the window of messages in flight, the fetched recipients, and why it should stop. */
class Slice {
  private readonly store: SenderStore;
  private readonly o: SenderOptions;
  private status: NewsletterStatus = 'sending';
  private lost = false;
  private temporary: unknown = null;
  private commitError: unknown = null;
  private sentInSlice = 0;
  // Messages handed over and not yet committed (the window), and of those, the ones still being sent.
  private inWindow = 0;
  private sending = 0;
  private freed: (() => void) | undefined;
  private recorded: Array<Promise<void>> = [];
  private deadline = 0;
  private nextAt = Date.now();
  private exhausted = false;
  private recorder: Recorder;

  constructor(private readonly deps: SliceDeps) {
    this.store = deps.store;
    this.o = deps.options;
    this.recorder = new Recorder(deps.store, deps.options.commitDelayMs);
  }

  async run(): Promise<void> {
    const heartbeat = this.startHeartbeat();
    try {
      const n = await this.store.newsletter();
      if (!n || n.status !== 'sending') {
        await this.store.release({});
        return;
      }
      const messenger = await this.deps.openMessenger(n);
      this.deadline = Date.now() + this.o.sliceMs;
      await this.sendAll(n, messenger);
      // Every message handed to the mail server is finished and its outcome committed before the lock is let go.
      await this.drained();
      await Promise.all(this.recorded);
      if (this.commitError) throw this.commitError;
      await this.handOver(messenger);
    } catch (err) {
      // Messages still with the mail server finish first (their outcomes are recorded if the database allows), then
      // the lock is let go so the retry (or a resume) can start at once without sending them again.
      await this.drained();
      await this.store.release({}).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Rereads the status often (a cheap read) and renews the lock rarely (a write, a commit). */
  private startHeartbeat(): NodeJS.Timeout {
    let renewedAt = Date.now();
    return setInterval(() => {
      const renew = Date.now() - renewedAt >= this.o.lockMs / 6;
      if (renew) renewedAt = Date.now();
      (renew ? this.store.renewLock(Date.now() + this.o.lockMs) : this.store.status())
        .then((s) => this.heard(s))
        .catch(() => {
          // The database is unreachable for a moment: the commits will fail too and end the slice.
        });
    }, this.o.pollMs);
  }

  private heard(s: NewsletterStatus | null): void {
    if (s === null) this.lost = true;
    else this.status = s;
  }

  private stopping(): boolean {
    return this.lost || this.status !== 'sending' || this.temporary !== null || this.commitError !== null || Date.now() >= this.deadline;
  }

  private waitForFree(): Promise<void> {
    return new Promise<void>((r) => (this.freed = r));
  }

  private async drained(): Promise<void> {
    while (this.inWindow > 0) await this.waitForFree();
  }

  /** The loop: wait for room in the window and for the throttle, take the next recipient, send without waiting. */
  private async sendAll(n: SliceNewsletter, messenger: Messenger): Promise<void> {
    const rate = n.ratePerMinute;
    const interval = rate ? 60_000 / rate : 0;
    // Throttled, a fetch holds about the messages of one check's lifetime.
    const chunk = rate ? Math.max(1, Math.min(CHUNK, Math.ceil((rate / 60_000) * MAX_CHECK_AGE_MS))) : CHUNK;
    const fetcher = new Fetcher(this.store, n.listId, chunk);
    while (!this.stopping()) {
      while ((this.inWindow >= this.o.window || this.sending >= this.o.concurrency) && !this.stopping()) await this.waitForFree();
      // The throttle: one message per interval. A wait past the slice's end is left to the next job.
      if (interval > 0 && this.nextAt > this.deadline) break;
      if (interval > 0) await this.waitUntil(this.nextAt);
      if (this.stopping()) break;
      const d = await fetcher.next();
      if (d === undefined) {
        // Nothing fetched: either every recipient has had their turn, or the send was paused or cancelled.
        this.heard(await this.store.renewLock(Date.now() + this.o.lockMs));
        this.exhausted = true;
        break;
      }
      if (d.recipient === null || n.listId === null) {
        void this.record({ id: d.deliveryId, status: 'skipped' });
        continue;
      }
      // The next message may go one interval after this one goes (a slow fetch does not bunch two together).
      if (interval > 0) this.nextAt = Date.now() + interval;
      this.launch(messenger, d.deliveryId, d.recipient);
    }
  }

  private async waitUntil(at: number): Promise<void> {
    while (Date.now() < at && !this.stopping()) await sleep(Math.min(this.o.pollMs, at - Date.now()));
  }

  /** Hands one message to the messenger without waiting; its outcome is recorded when it is known. */
  private launch(messenger: Messenger, deliveryId: number, recipient: Recipient): void {
    this.inWindow++;
    this.sending++;
    void this.sendOne(messenger, deliveryId, recipient)
      .then((outcome) => {
        this.sending--;
        this.freed?.();
        return outcome ? this.record(outcome) : undefined;
      })
      .finally(() => {
        this.inWindow--;
        this.freed?.();
      });
  }

  /** Sends one message; returns its outcome, or null after a temporary failure (it stays pending for the retry). */
  private async sendOne(messenger: Messenger, id: number, recipient: Recipient): Promise<Outcome | null> {
    try {
      await messenger.send(id, recipient);
      this.sentInSlice++;
      return { id, status: 'sent' };
    } catch (err) {
      const kind = classifySendError(err);
      if (kind === 'address') return { id, status: 'failed', error: message(err), undeliverable: recipient.supporterId };
      if (kind === 'message') return { id, status: 'failed', error: message(err), undeliverable: null };
      this.temporary ??= err;
      // Not recorded: it stays pending and is sent when the job runs again.
      return null;
    }
  }

  private record(outcome: Outcome): Promise<void> {
    const p = this.recorder.add(outcome).catch((err: unknown) => {
      this.commitError ??= err;
    });
    this.recorded.push(p);
    return p;
  }

  /** The end of a slice: finished, or the lock let go with the next slice queued (or, after a failure, a retry). */
  private async handOver(messenger: Messenger): Promise<void> {
    const { temporary } = this;
    const lastError =
      temporary !== null
        ? `The mail server did not take the messages; Lantern will try again. (${message(temporary)})`
        : this.sentInSlice > 0
          ? null
          : undefined;
    if (this.lost) return;
    if (this.exhausted && this.status === 'sending' && !(await this.store.hasPending())) {
      await this.store.finish({ subject: messenger.subject });
      return;
    }
    // Still sending, and no failure to wait out: the next slice. After a failure the worker retries this job with backoff.
    const next = temporary === null && this.status === 'sending' ? { runAt: Math.max(Date.now(), this.nextAt) } : undefined;
    await this.store.release({ ...(lastError !== undefined ? { lastError } : {}), ...(next ? { next } : {}) });
    if (temporary !== null) {
      this.deps.logger?.warn(
        { newsletter: this.deps.newsletterId, err: redact(String(temporary)) },
        'newsletter send paused by a mail server failure; retrying with backoff',
      );
      throw temporary;
    }
  }
}

/** Fetches recipients a chunk at a time, fetching (and so re-checking) again any held longer than MAX_CHECK_AGE_MS. */
class Fetcher {
  private queue: PendingRecipient[] = [];
  private cursor = 0;
  private fetchedAt = 0;

  constructor(
    private readonly store: SenderStore,
    private readonly listId: number | null,
    private readonly chunk: number,
  ) {}

  /** The next recipient, or undefined when there is none (or the send stopped). */
  async next(): Promise<PendingRecipient | undefined> {
    // Each recipient is re-checked at most MAX_CHECK_AGE_MS before their message goes (e-petitions'
    // can_send_email?): rows fetched longer ago than that are fetched, and checked, again.
    if (this.queue.length > 0 && Date.now() - this.fetchedAt > MAX_CHECK_AGE_MS) {
      this.cursor = this.queue[0]!.deliveryId - 1;
      this.queue = [];
    }
    if (this.queue.length === 0) {
      this.fetchedAt = Date.now();
      this.queue = await this.store.nextRecipients({ listId: this.listId, afterId: this.cursor, limit: this.chunk });
      if (this.queue.length === 0) return undefined;
      this.cursor = this.queue[this.queue.length - 1]!.deliveryId;
    }
    return this.queue.shift();
  }
}

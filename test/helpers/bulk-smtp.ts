import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// An SMTP server on loopback for bulk-mail tests: it counts every message per recipient (cheaply, without
// parsing), keeps the raw bytes for the tests that look inside, and can be slow for chosen recipients, refuse
// chosen recipients with 550, or be closed and started again on the same port (a mail server that goes away).

export interface Arrival {
  to: string;
  at: number;
  raw: Buffer;
}

export interface BulkSink {
  url: string;
  port: number;
  arrivals: Arrival[];
  /** How many messages each recipient got. */
  counts(): Map<string, number>;
  /** Resolves once `n` messages have arrived in all (rejects after the timeout). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  /** The parsed messages sent to one address. */
  parsed(to: string): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export interface BulkSinkOptions {
  port?: number;
  /** Refuse these recipients with 550 (a mailbox that does not exist). */
  rejectRcpt?: (address: string) => boolean;
  /** Hold a message this long before accepting it (a slow mail server), by recipient. */
  delayMs?: (address: string) => number;
  /** Whether to keep each message's bytes (off for very large sends). */
  keepRaw?: boolean;
}

/** Starts the sink; `port` reuses a port, e.g. after an earlier sink on it was closed. */
export async function startBulkSink(o: BulkSinkOptions = {}): Promise<BulkSink> {
  const arrivals: Arrival[] = [];
  const waiters = new Set<() => void>();
  const keepRaw = o.keepRaw ?? true;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 200,
    // Closing drops open connections at once, as a mail server that goes away would.
    closeTimeout: 100,
    onRcptTo(address, _session, cb) {
      if (o.rejectRcpt?.(address.address)) {
        const err = new Error('550 5.1.1 mailbox unavailable') as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        if (keepRaw) chunks.push(c);
      });
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',');
        const delay = o.delayMs?.(to) ?? 0;
        const accept = () => {
          arrivals.push({ to, at: Date.now(), raw: Buffer.concat(chunks) });
          for (const w of waiters) w();
          cb();
        };
        if (delay > 0) setTimeout(accept, delay);
        else accept();
      });
    },
  });
  // A client that drops its connection (as Lantern's pool does when a test closes it) makes the server emit
  // ECONNRESET; without a listener that would surface as an unhandled error in whichever test runs next.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    arrivals,
    counts() {
      const m = new Map<string, number>();
      for (const a of arrivals) m.set(a.to, (m.get(a.to) ?? 0) + 1);
      return m;
    },
    waitFor(n, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (arrivals.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${arrivals.length} of ${n} messages arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async parsed(to) {
      return Promise.all(arrivals.filter((a) => a.to === to).map((a) => simpleParser(a.raw)));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

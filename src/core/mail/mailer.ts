import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Keyring } from '../crypto.js';
import type { Db, DbOrTrx } from '../db/index.js';
import { getSiteSettings } from '../settings.js';
import { PermanentJobError, type JobHandler } from '../jobs/worker.js';
import type { JobQueue, Lane } from '../jobs/queue.js';
import { deleteMailBefore, findMailById, insertMailRecord, listRecentMail, type MailRow } from './queries.js';
import type { RenderedEmail } from './render.js';

export interface OutgoingMail extends RenderedEmail {
  to: string;
  replyTo?: string;
  /** Extra headers, e.g. List-Unsubscribe for marketing mail. */
  headers?: Record<string, string>;
  category?: 'transactional' | 'bulk';
  /** Small files sent with the message (an event's .ics). Text only: they travel inside the encrypted job payload. */
  attachments?: MailAttachment[];
}

/** A small text file attached to a message. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: string;
}

interface SendMailPayload extends OutgoingMail {
  messageId: string;
}

/**
 * Who a message says it is from: MAIL_FROM as written, or the organisation's name and address as an address object,
 * which nodemailer quotes and encodes in the header as RFC 5322 asks (a comma or quotes in a name stay in the name).
 */
export type Sender = string | { name: string; address: string };

/** Where messages go: a real SMTP server, or the built-in catcher that keeps them for staff to read. */
export interface MailTransport {
  readonly kind: 'smtp' | 'catcher';
  send(message: SendMailPayload & { from: Sender }): Promise<{ stored: boolean }>;
  close(): Promise<void>;
}

/** An SMTP failure that retrying will not fix (5xx reply, rejected recipient). */
export function isPermanentSmtpError(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
}

// nodemailer's default list of signed headers, plus List-Unsubscribe-Post: RFC 8058 asks for a DKIM signature
// covering both one-click unsubscribe headers.
const DKIM_SIGNED_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:Content-ID:' +
  'Content-Description:Resent-Date:Resent-From:Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:In-Reply-To:References:' +
  'List-Id:List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:List-Owner:List-Archive';

/** Sends through nodemailer's pooled SMTP transport. */
export function smtpTransport(
  url: string,
  o: { maxConnections?: number; dkim?: { domainName: string; keySelector: string; privateKey: string } | undefined } = {},
): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: o.maxConnections ?? 5,
    maxMessages: 100,
    ...(o.dkim ? { dkim: { headerFieldNames: DKIM_SIGNED_HEADERS, ...o.dkim } } : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    kind: 'smtp',
    async send(m) {
      await transporter.sendMail({
        from: m.from,
        to: m.to,
        replyTo: m.replyTo,
        subject: m.subject,
        html: m.html,
        text: m.text,
        headers: m.headers,
        messageId: m.messageId,
        ...(m.attachments?.length ? { attachments: m.attachments.map((a) => ({ ...a })) } : {}),
      });
      return { stored: false };
    },
    async close() {
      transporter.close();
    },
  };
}

/** Keeps every message in the database (encrypted) instead of sending it: the default without SMTP_URL. */
export function catcherTransport(): MailTransport {
  return {
    kind: 'catcher',
    async send() {
      return { stored: true };
    },
    async close() {},
  };
}

/** A sender as a header shows it, for staff reading recorded mail (the header itself is written by nodemailer). */
export function senderText(s: Sender): string {
  return typeof s === 'string' ? s : `"${s.name.replace(/[\\"]/g, '\\$&')}" <${s.address}>`;
}

/**
 * The address mail comes from when the organisation has no contact address: no-reply at the public host (a domain
 * literal when Lantern is reached by an IP address, as RFC 5321 writes one).
 */
export function noReplyAddress(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(h)) return `no-reply@[${h}]`;
  if (h.includes(':')) return `no-reply@[IPv6:${h}]`;
  return `no-reply@${h}`;
}

export interface CaughtMail {
  id: number;
  category: 'transactional' | 'bulk';
  transport: 'catcher' | 'smtp';
  status: string;
  to: string;
  subject: string;
  createdAt: number;
  body: {
    html: string;
    text: string;
    headers: Record<string, string>;
    replyTo?: string | undefined;
    from: string;
    attachments?: MailAttachment[] | undefined;
  } | null;
}

/**
 * Mail goes through the job queue: enqueue() in the caller's transaction, and the sendEmail job delivers it
 * with retries. Every message is recorded (recipient and subject encrypted) for the admin's recent-mail list;
 * the catcher also keeps the body so staff can read what would have been sent.
 */
export class Mailer {
  constructor(
    private readonly o: {
      db: Db;
      keyring: Keyring;
      queue: JobQueue;
      transport: MailTransport;
      /** MAIL_FROM: overrides the organisation's name and contact address from the settings. */
      from: string | undefined;
      /** The public host: Message-IDs, and the no-reply address when the organisation has no contact address. */
      host: string;
      /** Where bulk mail goes (its own SMTP pool, so a newsletter never queues ahead of transactional mail); default: transport. */
      bulkTransport?: MailTransport | undefined;
    },
  ) {}

  get transportKind(): 'smtp' | 'catcher' {
    return this.o.transport.kind;
  }

  /** Who mail is from now: MAIL_FROM, or the organisation's name and contact address (settings are cached for 5 s). */
  async sender(): Promise<Sender> {
    if (this.o.from) return this.o.from;
    const site = await getSiteSettings(this.o.db);
    return { name: site.orgName, address: site.contactEmail || noReplyAddress(this.o.host) };
  }

  /** Queues a message for delivery, in the caller's transaction when given one. */
  async enqueue(db: DbOrTrx, mail: OutgoingMail, o: { lane?: Lane; uniqueKey?: string } = {}): Promise<void> {
    const payload: SendMailPayload = { ...mail, messageId: `<${randomBytes(12).toString('hex')}@${this.o.host}>` };
    await this.o.queue.enqueue(db, 'sendEmail', payload, {
      lane: o.lane ?? 'default',
      maxAttempts: 10,
      ...(o.uniqueKey ? { uniqueKey: o.uniqueKey } : {}),
    });
  }

  /** The job handlers this module provides. */
  jobs(): Record<string, JobHandler> {
    return {
      sendEmail: async (payload: SendMailPayload) => {
        if (!payload || typeof payload.to !== 'string') throw new PermanentJobError('sendEmail payload is malformed');
        await this.deliver(payload);
      },
      deleteOldMailRecords: async () => {
        await deleteMailBefore(this.o.db, Date.now() - 30 * 24 * 3600_000);
      },
    };
  }

  /** Sends one message now (used by the job); classifies SMTP failures as permanent or temporary. */
  async deliver(payload: SendMailPayload): Promise<void> {
    const { keyring, transport } = this.o;
    const from = await this.sender();
    try {
      const r = await transport.send({ ...payload, from });
      await insertMailRecord(this.o.db, {
        category: payload.category ?? 'transactional',
        transport: transport.kind,
        status: r.stored ? 'caught' : 'sent',
        to_enc: keyring.encrypt(payload.to),
        subject_enc: keyring.encrypt(payload.subject),
        body_enc: r.stored
          ? keyring.encrypt(
              JSON.stringify({
                html: payload.html,
                text: payload.text,
                headers: payload.headers ?? {},
                replyTo: payload.replyTo,
                from: senderText(from),
                attachments: payload.attachments ?? [],
              }),
            )
          : null,
        message_id: payload.messageId,
        created_at: Date.now(),
      });
    } catch (err) {
      if (isPermanentSmtpError(err)) {
        await insertMailRecord(this.o.db, {
          category: payload.category ?? 'transactional',
          transport: transport.kind,
          status: 'failed',
          to_enc: keyring.encrypt(payload.to),
          subject_enc: keyring.encrypt(payload.subject),
          body_enc: null,
          message_id: payload.messageId,
          created_at: Date.now(),
        });
        throw new PermanentJobError(`the mail server refused the message: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  /**
   * Sends one bulk message now, through the bulk transport, without the queue: the newsletter sender keeps its own
   * record per recipient, so nothing is recorded here except by the catcher, which keeps every message for staff to
   * read. Throws the transport's error unchanged, for the caller to sort into permanent and temporary.
   */
  async sendBulk(mail: OutgoingMail & { messageId: string }): Promise<void> {
    const transport = this.o.bulkTransport ?? this.o.transport;
    const from = await this.sender();
    const r = await transport.send({ ...mail, category: 'bulk', from });
    if (!r.stored) return;
    const { keyring } = this.o;
    await insertMailRecord(this.o.db, {
      category: 'bulk',
      transport: transport.kind,
      status: 'caught',
      to_enc: keyring.encrypt(mail.to),
      subject_enc: keyring.encrypt(mail.subject),
      body_enc: keyring.encrypt(
        JSON.stringify({ html: mail.html, text: mail.text, headers: mail.headers ?? {}, replyTo: mail.replyTo, from: senderText(from) }),
      ),
      message_id: mail.messageId,
      created_at: Date.now(),
    });
  }

  private decode(r: MailRow): CaughtMail {
    const k = this.o.keyring;
    return {
      id: r.id,
      category: r.category,
      transport: r.transport,
      status: r.status,
      to: k.decrypt(r.to_enc),
      subject: k.decrypt(r.subject_enc),
      createdAt: r.created_at,
      body: r.body_enc ? JSON.parse(k.decrypt(r.body_enc)) : null,
    };
  }

  /** The newest recorded messages, decrypted for staff. */
  async recent(limit: number, offset = 0): Promise<CaughtMail[]> {
    return (await listRecentMail(this.o.db, { limit, offset })).map((r) => this.decode(r));
  }

  /** One recorded message, decrypted. */
  async find(id: number): Promise<CaughtMail | undefined> {
    const r = await findMailById(this.o.db, id);
    return r ? this.decode(r) : undefined;
  }

  async close(): Promise<void> {
    await this.o.transport.close();
    await this.o.bulkTransport?.close();
  }
}

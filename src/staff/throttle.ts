import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import type { Keyring } from '../core/crypto.js';
import type { Trx } from '../core/db/index.js';
import type { SiteSettings } from '../core/settings.js';
import { signInAttackEmail } from './emails.js';
import { claimAttackAlert, failuresSince, insertLoginFailures, type StaffRow } from './queries.js';

// Slowing down password guessing without ever locking the holder of an account out.
//
// Every wrong password (or wrong two-step code) is recorded twice: under the account (the blind index of the email
// address, known account or not) and under the client address (a keyed hash of it: no address is stored). Both
// are remembered for a day. Before a password is even checked:
//  - an address that has failed more than a few times, whatever accounts it tried, must wait before trying again,
//    twice as long after each further failure, up to an hour;
//  - an account that many attempts have failed against is under attack: every address that has itself been
//    failing waits too, longer the more the account has been attacked.
// An address that has not been failing is never made to wait, so the right password (and code) from the holder's
// own connection always gets in, however many addresses are guessing. The holder is told by email, at most once an
// hour, that someone keeps failing to sign in to their account.

const SECOND = 1000;
const HOUR = 3600 * SECOND;

/** Failures count for a day; the hourly clean-up deletes older ones. */
export const FAILURE_MEMORY_MS = 24 * HOUR;
/** Failures an address may make, across all accounts, before it has to wait between attempts. */
export const ADDRESS_FREE_FAILURES = 5;
/** Failures against one account, from any addresses, that put it under attack. */
export const ACCOUNT_ATTACK_FAILURES = 5;
/** The first wait; each further failure doubles it, up to the longest. */
export const FIRST_WAIT_MS = 10 * SECOND;
export const LONGEST_WAIT_MS = HOUR;
/** The holder of an account under attack is told at most once in this time. */
export const ATTACK_ALERT_GAP_MS = HOUR;

/** The wait after `failures` failures of which the first `free` cost nothing: 0, then 10 s, 20 s, 40 s… up to an hour. */
export function growingWait(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(failures - free, 30));
}

/** The failure key of an account (its email blind index: unknown addresses get one too). */
export const accountKey = (emailIndex: string) => `account:${emailIndex}`;
const addressKey = (keyring: Keyring, ip: string) => `ip:${keyring.sign('login-ip', ip)}`;

/** An attempt to give a password (or code) for an account from an address, as the throttle sees it. */
export interface Attempt {
  keys: [account: string, address: string];
  /** Failures against the account in the last day, before this attempt. */
  accountFailures: number;
  /** When this address may try this account again; null when it may now. */
  retryAt: number | null;
}

/** Whether an address may try a password (or code) for an account now, and if not, until when it must wait. */
export async function checkAttempt(core: Core, o: { emailIndex: string; ip: string; now: number }): Promise<Attempt> {
  const keys: Attempt['keys'] = [accountKey(o.emailIndex), addressKey(core.keyring, o.ip)];
  const since = o.now - FAILURE_MEMORY_MS;
  const account = await failuresSince(core.db, keys[0], since);
  const address = await failuresSince(core.db, keys[1], since);
  let until = 0;
  if (address.count > 0) {
    const wait = Math.max(
      growingWait(address.count, ADDRESS_FREE_FAILURES),
      account.count >= ACCOUNT_ATTACK_FAILURES ? growingWait(account.count, ACCOUNT_ATTACK_FAILURES) : 0,
    );
    until = address.latest + wait;
  }
  return { keys, accountFailures: account.count, retryAt: until > o.now ? until : null };
}

/**
 * Records a failed attempt (in the caller's transaction) under the account and the address, in the audit log, and,
 * when it puts a known account under attack, emails its holder unless they were told within the hour.
 */
export async function recordFailedAttempt(
  trx: Trx,
  core: Core,
  attempt: Attempt,
  o: { staff: StaffRow | undefined; actorId: number | null; stage: 'password' | 'two-step code'; site: SiteSettings | null; now: number },
): Promise<void> {
  await insertLoginFailures(trx, attempt.keys, o.now);
  const staffId = o.staff ? Number(o.staff.id) : null;
  await recordAudit(trx, {
    staffId: o.actorId,
    action: 'login.failure',
    ...(staffId !== null ? { target: `staff ${staffId}` } : {}),
    details: { stage: o.stage },
  });
  if (!o.staff || staffId === null || !o.site || !underAttackAfterFailure(attempt) || o.staff.disabled_at !== null) return;
  if (!(await claimAttackAlert(trx, staffId, o.now, o.now - ATTACK_ALERT_GAP_MS))) return;
  const { config, keyring, mailer } = core;
  const mail = signInAttackEmail({
    orgName: o.site.orgName,
    name: keyring.decrypt(o.staff.name_enc),
    failures: attempt.accountFailures + 1,
    passwordKnown: o.stage === 'two-step code',
    twoFactor: o.staff.totp_enabled_at !== null,
    accountLink: `${config.baseUrl}/admin/account`,
    forgotLink: `${config.baseUrl}/admin/password/forgot`,
  });
  await mailer.enqueue(trx, { ...mail, to: keyring.decrypt(o.staff.email_enc) });
  await recordAudit(trx, { staffId: null, action: 'login.attack_alert', target: `staff ${staffId}` });
}

/** Whether the failure about to be recorded puts the account under attack (the site settings are needed then). */
export function underAttackAfterFailure(attempt: Attempt): boolean {
  return attempt.accountFailures + 1 >= ACCOUNT_ATTACK_FAILURES;
}

/** "try again in 40 seconds" / "try again in 3 minutes", for a wait until `retryAt`. */
export function tryAgainIn(retryAt: number, now = Date.now()): string {
  const seconds = Math.max(1, Math.ceil((retryAt - now) / SECOND));
  if (seconds < 120) return `try again in ${seconds} second${seconds === 1 ? '' : 's'}`;
  return `try again in ${Math.ceil(seconds / 60)} minutes`;
}

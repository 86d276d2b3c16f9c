import { z } from 'zod';
import type { Core } from '../core/context.js';
import { hashToken, newToken, normaliseEmail, type Keyring } from '../core/crypto.js';
import { describeAuditRecords, listAuditRecords, recordAudit, type AuditDescription } from '../core/audit.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { TokenPurpose } from '../core/db/schema.js';
import type { StaffRole } from './tables.js';
import { getSiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { email as emailField, text } from '../core/web/forms.js';
import { passwordResetEmail, staffInviteEmail } from './emails.js';
import { hashPassword, needsRehash, NO_PASSWORD, passwordPolicy, verifyPassword } from './passwords.js';
import { ROLES, roleCan } from './permissions.js';
import {
  claimTotpStep,
  countStaff,
  deleteLoginFailures,
  deleteOldLoginFailures,
  deleteSession,
  deleteSessionsOfStaff,
  deleteStaleSessions,
  findSessionWithStaff,
  findStaffByEmailIndex,
  findStaffById,
  insertSession,
  insertStaff,
  isUniqueViolation,
  findStaffNames,
  listStaffRows,
  lockActiveOwners,
  touchSession,
  updateStaff,
  type StaffRow,
} from './queries.js';
import { deleteExpiredTokens, deleteTokensOf, findUsableToken, insertToken, newestTokenAt, useTokenOf } from '../core/tokens.js';
import { accountKey, checkAttempt, FAILURE_MEMORY_MS, recordFailedAttempt, underAttackAfterFailure, type Attempt } from './throttle.js';
import { matchTotpStep, newTotpSecret, totpQrSvg, totpUri } from './totp.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How long a session lives without a request (2 h) and at most (12 h); a half-done 2FA sign-in lasts 10 min. */
export const SESSION_IDLE_MS = 2 * HOUR;
export const SESSION_MAX_MS = 12 * HOUR;
export const MFA_PENDING_MS = 10 * MINUTE;
/** Single-use links: setup 24 h, password reset 1 h, staff invitation 72 h. */
export const SETUP_TOKEN_MS = 24 * HOUR;
export const RESET_TOKEN_MS = HOUR;
export const INVITE_TOKEN_MS = 72 * HOUR;
/** A new reset email is not sent within a minute of the last one, so the form cannot be used to flood an inbox. */
const RESET_RESEND_GAP_MS = MINUTE;
/** last_seen_at is written at most once a minute per session, not on every request. */
const TOUCH_EVERY_MS = MINUTE;

const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

// ---- audit -------------------------------------------------------------------------------------------------

export interface AuditEntry {
  id: number;
  staffName: string | null;
  action: string;
  target: string | null;
  /** JSON text of the entry's details, if any (never personal data). */
  details: string | null;
  createdAt: number;
  /** The entry in words, after the name of who did it (every capability describes its own codes). */
  words: AuditDescription;
}

/** The audit log, newest first, with staff names decrypted and every entry in words. */
export async function listAudit(core: Core, o: { limit: number; offset?: number }): Promise<AuditEntry[]> {
  const records = await listAuditRecords(core.db, { limit: o.limit, offset: o.offset ?? 0 });
  const ids = [...new Set(records.flatMap((r) => (r.staffId === null ? [] : [r.staffId])))];
  const [names, words] = await Promise.all([
    staffNamesById(core.db, core.keyring, ids),
    describeAuditRecords(core.db, core.auditDescribers ?? [], records),
  ]);
  return records.map((r) => ({
    id: r.id,
    staffName: r.staffId === null ? null : (names.get(r.staffId) ?? null),
    action: r.action,
    target: r.target,
    details: r.details,
    createdAt: r.createdAt,
    words: words.get(r.id)!,
  }));
}

/** The names of these staff members, by id (decrypted). */
export async function staffNamesById(db: DbOrTrx, keyring: Keyring, ids: readonly number[]): Promise<Map<number, string>> {
  return new Map((await findStaffNames(db, ids)).map((r) => [Number(r.id), keyring.decrypt(r.name_enc)]));
}

const staffTarget = (id: number) => `staff ${id}`;

// ---- staff members -----------------------------------------------------------------------------------------

export interface StaffMember {
  id: number;
  name: string;
  email: string;
  role: StaffRole;
  twoFactor: boolean;
  /** Invited, but has not chosen a password yet. */
  invited: boolean;
  disabled: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

function toMember(keyring: Keyring, r: StaffRow): StaffMember {
  return {
    id: Number(r.id),
    name: keyring.decrypt(r.name_enc),
    email: keyring.decrypt(r.email_enc),
    role: r.role,
    twoFactor: r.totp_enabled_at !== null,
    invited: r.password_hash === NO_PASSWORD,
    disabled: r.disabled_at !== null,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}

/** Every staff account, decrypted for owners. */
export async function listStaff(core: Core): Promise<StaffMember[]> {
  return (await listStaffRows(core.db)).map((r) => toMember(core.keyring, r));
}

/** One staff account, or not_found. */
export async function getStaffMember(core: Core, id: number): Promise<StaffMember> {
  const row = await findStaffById(core.db, id);
  if (!row) throw new DomainError('not_found', 'There is no staff account here.');
  return toMember(core.keyring, row);
}

const roleField = z.enum(ROLES as [StaffRole, ...StaffRole[]], { error: `Choose a role: ${ROLES.join(', ')}` });

/** What an owner enters to add a staff member. */
export const NewStaffSchema = z.object({
  name: text('their name', { max: 120 }),
  email: emailField('their email address'),
  role: roleField,
});

/** What an owner enters to change a role. */
export const RoleSchema = z.object({ role: roleField });

const duplicateEmail = 'A staff account with that email address already exists';

function emailIndexOf(keyring: Keyring, email: string): string {
  return keyring.blindIndex('email', normaliseEmail(email));
}

/**
 * Adds a staff member on an owner's behalf: the account has no password yet, and an invitation email (in the
 * same transaction) links to a page where they choose one.
 */
export async function addStaff(core: Core, actorId: number, input: z.output<typeof NewStaffSchema>): Promise<number> {
  const { db, keyring, mailer, config } = core;
  const site = await getSiteSettings(db);
  const emailIndex = emailIndexOf(keyring, input.email);
  try {
    return await db.transaction().execute(async (trx) => {
      if (await findStaffByEmailIndex(trx, emailIndex)) throw new DomainError('invalid', duplicateEmail, { email: duplicateEmail });
      const now = Date.now();
      const id = await insertStaff(trx, {
        emailEnc: keyring.encrypt(input.email),
        emailIndex,
        nameEnc: keyring.encrypt(input.name),
        role: input.role,
        passwordHash: NO_PASSWORD,
        at: now,
      });
      const token = newToken();
      await insertToken(trx, {
        tokenHash: hashToken(token),
        purpose: 'staff_invite',
        subjectId: id,
        at: now,
        expiresAt: now + INVITE_TOKEN_MS,
      });
      const mail = staffInviteEmail({
        orgName: site.orgName,
        name: input.name,
        role: input.role,
        link: `${config.baseUrl}/admin/password/reset/${token}`,
        hours: INVITE_TOKEN_MS / HOUR,
      });
      await mailer.enqueue(trx, { ...mail, to: input.email });
      await recordAudit(trx, { staffId: actorId, action: 'staff.add', target: staffTarget(id), details: { role: input.role } });
      return id;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('invalid', duplicateEmail, { email: duplicateEmail });
    throw err;
  }
}

const CliStaffSchema = z.object({
  email: emailField('an email address'),
  role: z.enum(ROLES as [StaffRole, ...StaffRole[]], { error: `The role must be one of: ${ROLES.join(', ')}` }),
  name: text('a name', { max: 120 }).optional(),
  password: passwordPolicy,
});

/** Adds a staff member from the command line with a password given there; never throws for bad input. */
export async function addStaffFromCli(
  core: Core,
  input: { email: string; role: string; name?: string | undefined; password: string },
): Promise<{ ok: true } | { ok: false; message: string }> {
  const parsed = CliStaffSchema.safeParse({ ...input, name: input.name?.trim() ? input.name : undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'input');
    return { ok: false, message: `${field === 'password' ? 'Password (standard input)' : `--${field}`}: ${issue.message}.` };
  }
  const { email, role, password } = parsed.data;
  const name = parsed.data.name ?? email.split('@')[0]!;
  const { db, keyring } = core;
  const emailIndex = emailIndexOf(keyring, email);
  if (await findStaffByEmailIndex(db, emailIndex)) return { ok: false, message: `${duplicateEmail}.` };
  const passwordHash = await hashPassword(password);
  try {
    await db.transaction().execute(async (trx) => {
      const id = await insertStaff(trx, {
        emailEnc: keyring.encrypt(email),
        emailIndex,
        nameEnc: keyring.encrypt(name),
        role,
        passwordHash,
        at: Date.now(),
      });
      await recordAudit(trx, { staffId: null, action: 'staff.add', target: staffTarget(id), details: { role, via: 'command line' } });
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, message: `${duplicateEmail}.` };
    throw err;
  }
  return { ok: true };
}

const lastOwner = 'There must always be at least one active owner. Make someone else an owner first.';

/** Changes a staff member's role; refuses to leave the instance without an active owner. */
export async function changeRole(core: Core, actorId: number, staffId: number, role: StaffRole): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const owners = await lockActiveOwners(trx);
    const target = await findStaffById(trx, staffId);
    if (!target) throw new DomainError('not_found', 'There is no staff account here.');
    if (target.role === role) return;
    if (target.role === 'owner' && owners.includes(staffId) && owners.length <= 1)
      throw new DomainError('invalid', lastOwner, { role: lastOwner });
    await updateStaff(trx, staffId, { role, updated_at: Date.now() });
    await recordAudit(trx, {
      staffId: actorId,
      action: 'staff.role_change',
      target: staffTarget(staffId),
      details: { from: target.role, to: role },
    });
  });
}

/** Disables or re-enables a staff account; disabling signs it out everywhere. Nobody can disable themselves. */
export async function setStaffDisabled(core: Core, actorId: number, staffId: number, disabled: boolean): Promise<void> {
  if (disabled && actorId === staffId)
    throw new DomainError('invalid', 'You cannot disable your own account.', { _form: 'You cannot disable your own account.' });
  await core.db.transaction().execute(async (trx) => {
    const owners = await lockActiveOwners(trx);
    const target = await findStaffById(trx, staffId);
    if (!target) throw new DomainError('not_found', 'There is no staff account here.');
    if ((target.disabled_at !== null) === disabled) return;
    if (disabled && owners.includes(staffId) && owners.length <= 1) throw new DomainError('invalid', lastOwner, { _form: lastOwner });
    const now = Date.now();
    await updateStaff(trx, staffId, { disabled_at: disabled ? now : null, updated_at: now });
    if (disabled) await deleteSessionsOfStaff(trx, staffId);
    await recordAudit(trx, { staffId: actorId, action: disabled ? 'staff.disable' : 'staff.enable', target: staffTarget(staffId) });
  });
}

/** Turns off another staff member's two-step sign-in (they lost their phone); they set it up again next time. */
export async function resetStaffTwoFactor(core: Core, actorId: number, staffId: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const target = await findStaffById(trx, staffId);
    if (!target) throw new DomainError('not_found', 'There is no staff account here.');
    if (target.totp_enabled_at === null && target.totp_secret_enc === null) return;
    await updateStaff(trx, staffId, { totp_secret_enc: null, totp_enabled_at: null, totp_last_step: null, updated_at: Date.now() });
    await recordAudit(trx, { staffId: actorId, action: '2fa.off', target: staffTarget(staffId), details: { by: 'owner' } });
  });
}

// ---- first-run setup ---------------------------------------------------------------------------------------

/** On an instance without staff: a fresh single-use setup link (24 h, replacing older ones). Null otherwise. */
export async function setupLinkIfNoStaff(core: Core): Promise<string | null> {
  const { db, config } = core;
  if ((await countStaff(db)) > 0) return null;
  const token = newToken();
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    await deleteTokensOf(trx, { purposes: ['setup'] });
    await insertToken(trx, { tokenHash: hashToken(token), purpose: 'setup', subjectId: null, at: now, expiresAt: now + SETUP_TOKEN_MS });
  });
  return `${config.baseUrl}/setup/${token}`;
}

const setupDone = 'Setup is already complete: an owner account exists. Sign in at /admin/login instead.';
const setupInvalid = 'This setup link is not valid: it may have expired or been used already. Restart Lantern to get a new one.';

/** Why a setup link cannot be used, or null when it can. */
export async function setupLinkProblem(db: Db, token: string): Promise<string | null> {
  if ((await countStaff(db)) > 0) return setupDone;
  if (!SESSION_TOKEN.test(token) || !(await findUsableToken(db, hashToken(token), ['setup'], Date.now()))) return setupInvalid;
  return null;
}

/** What the first owner enters on the setup page. */
export const SetupSchema = z
  .object({
    name: text('your name', { max: 120 }),
    email: emailField('your email address'),
    password: passwordPolicy,
    confirm: z.string({ error: 'Enter the password again' }).max(1024, 'Enter the same password again'),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords do not match' });

/** Creates the owner account through a setup link and signs them in; returns the new session token. */
export async function completeSetup(
  core: Core,
  token: string,
  input: z.output<typeof SetupSchema>,
): Promise<{ staffId: number; sessionToken: string }> {
  const problem = await setupLinkProblem(core.db, token);
  if (problem) throw new DomainError('not_found', problem);
  const { db, keyring } = core;
  const passwordHash = await hashPassword(input.password);
  const sessionToken = newToken();
  const staffId = await db.transaction().execute(async (trx) => {
    const now = Date.now();
    if (!(await useTokenOf(trx, hashToken(token), ['setup'], now))) throw new DomainError('not_found', setupInvalid);
    if ((await countStaff(trx)) > 0) throw new DomainError('not_found', setupDone);
    const id = await insertStaff(trx, {
      emailEnc: keyring.encrypt(input.email),
      emailIndex: emailIndexOf(keyring, input.email),
      nameEnc: keyring.encrypt(input.name),
      role: 'owner',
      passwordHash,
      at: now,
    });
    await deleteTokensOf(trx, { purposes: ['setup'] });
    await insertSession(trx, {
      tokenHash: hashToken(sessionToken),
      staffId: id,
      mfaPending: false,
      at: now,
      expiresAt: now + SESSION_MAX_MS,
    });
    await updateStaff(trx, id, { last_login_at: now, updated_at: now });
    await recordAudit(trx, { staffId: id, action: 'setup', target: staffTarget(id) });
    return id;
  });
  return { staffId, sessionToken };
}

// ---- sessions ----------------------------------------------------------------------------------------------

/** A signed-in (or half signed-in) staff member, as the request guard sees them. */
export interface StaffSession {
  tokenHash: string;
  staffId: number;
  name: string;
  role: StaffRole;
  /** Password given, one-time code still to come. */
  mfaPending: boolean;
  twoFactor: boolean;
  can(permission: string): boolean;
}

/** The live session a cookie value names, or null (malformed, unknown, expired, idle or disabled account). */
export async function loadSession(core: Core, token: unknown): Promise<StaffSession | null> {
  if (typeof token !== 'string' || !SESSION_TOKEN.test(token)) return null;
  const tokenHash = hashToken(token);
  const row = await findSessionWithStaff(core.db, tokenHash);
  if (!row) return null;
  const now = Date.now();
  if (row.expires_at <= now || row.last_seen_at + SESSION_IDLE_MS <= now) {
    await deleteSession(core.db, tokenHash);
    return null;
  }
  if (now - row.last_seen_at >= TOUCH_EVERY_MS) await touchSession(core.db, tokenHash, now);
  const role = row.role;
  return {
    tokenHash,
    staffId: row.staff_id,
    name: core.keyring.decrypt(row.name_enc),
    role,
    mfaPending: row.mfa_pending === 1,
    twoFactor: row.totp_enabled_at !== null,
    can: (permission: string) => roleCan(core, role, permission),
  };
}

/** Ends a session (sign out); audited when it belonged to someone. */
export async function signOut(core: Core, token: unknown): Promise<void> {
  if (typeof token !== 'string' || !SESSION_TOKEN.test(token)) return;
  await core.db.transaction().execute(async (trx) => {
    const staffId = await deleteSession(trx, hashToken(token));
    if (staffId !== undefined) await recordAudit(trx, { staffId, action: 'logout', target: staffTarget(staffId) });
  });
}

async function startSession(db: DbOrTrx, staffId: number, o: { mfaPending: boolean; replacing: unknown; now: number }): Promise<string> {
  if (typeof o.replacing === 'string' && SESSION_TOKEN.test(o.replacing)) await deleteSession(db, hashToken(o.replacing));
  const token = newToken();
  await insertSession(db, {
    tokenHash: hashToken(token),
    staffId,
    mfaPending: o.mfaPending,
    at: o.now,
    expiresAt: o.now + (o.mfaPending ? MFA_PENDING_MS : SESSION_MAX_MS),
  });
  return token;
}

// ---- sign-in -----------------------------------------------------------------------------------------------

/** What the sign-in form takes. Lengths are capped so nothing huge reaches the password hash. */
export const LoginSchema = z.object({
  email: z
    .string({ error: 'Enter your email address' })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'Enter your email address').max(254, 'That email address is too long')),
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(1024, 'That password is too long'),
});

/** What the second step of sign-in takes. */
export const CodeSchema = z.object({
  code: z
    .string({ error: 'Enter the 6-digit code from your app' })
    .max(32, 'Enter the 6-digit code from your app')
    .transform((s) => s.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your app')),
});

export type SignInResult =
  { kind: 'signed_in'; token: string } | { kind: 'needs_2fa'; token: string } | { kind: 'wrong' } | { kind: 'throttled'; retryAt: number };

export { tryAgainIn } from './throttle.js';

/** Records a failed attempt, with the site settings at hand when it may have to warn the account's holder. */
async function recordFailure(
  core: Core,
  attempt: Attempt,
  o: { staff: StaffRow | undefined; actorId: number | null; stage: 'password' | 'two-step code'; now: number },
): Promise<void> {
  const site = o.staff && underAttackAfterFailure(attempt) ? await getSiteSettings(core.db) : null;
  await core.db.transaction().execute((trx) => recordFailedAttempt(trx, core, attempt, { ...o, site }));
}

/**
 * Checks an email and password. Unknown emails, disabled accounts and wrong passwords all answer "wrong" after
 * the same work (a dummy hash stands in for a missing one). Failures count against the account and the address;
 * an address that has been failing may have to wait before it is heard (./throttle.ts), one that has not never does.
 */
export async function signIn(
  core: Core,
  input: { email: string; password: string; ip: string; previousToken?: unknown },
): Promise<SignInResult> {
  const { db, keyring } = core;
  const emailIndex = emailIndexOf(keyring, input.email);
  const now = Date.now();
  const attempt = await checkAttempt(core, { emailIndex, ip: input.ip, now });
  if (attempt.retryAt !== null) return { kind: 'throttled', retryAt: attempt.retryAt };

  const staff = await findStaffByEmailIndex(db, emailIndex);
  const matches = await verifyPassword(input.password, staff?.password_hash ?? null);
  if (!staff || !matches || staff.disabled_at !== null) {
    await recordFailure(core, attempt, { staff, actorId: null, stage: 'password', now });
    return { kind: 'wrong' };
  }
  const staffId = Number(staff.id);
  const rehash = needsRehash(staff.password_hash) ? await hashPassword(input.password) : null;
  const mfa = staff.totp_enabled_at !== null;
  return db.transaction().execute(async (trx) => {
    const at = Date.now();
    if (rehash) await updateStaff(trx, staffId, { password_hash: rehash, updated_at: at });
    const token = await startSession(trx, staffId, { mfaPending: mfa, replacing: input.previousToken, now: at });
    if (mfa) return { kind: 'needs_2fa' as const, token };
    await finishSignIn(trx, staff, at, { twoFactor: false });
    return { kind: 'signed_in' as const, token };
  });
}

async function finishSignIn(trx: DbOrTrx, staff: StaffRow, at: number, o: { twoFactor: boolean }): Promise<void> {
  const staffId = Number(staff.id);
  await updateStaff(trx, staffId, { last_login_at: at, updated_at: at });
  await deleteLoginFailures(trx, accountKey(staff.email_index));
  await recordAudit(trx, { staffId, action: 'login.success', target: staffTarget(staffId), details: { twoFactor: o.twoFactor } });
}

/**
 * The second step of sign-in: a valid code for the half-signed-in session's account, not used before, turns it
 * into a full session under a new token. Wrong codes count as failed sign-ins.
 */
export async function completeTwoFactorSignIn(
  core: Core,
  input: { session: StaffSession; code: string; ip: string },
): Promise<SignInResult> {
  const { db } = core;
  const staff = await findStaffById(db, input.session.staffId);
  if (!staff || staff.disabled_at !== null || !staff.totp_secret_enc || staff.totp_enabled_at === null) {
    await deleteSession(db, input.session.tokenHash);
    return { kind: 'wrong' };
  }
  const now = Date.now();
  const attempt = await checkAttempt(core, { emailIndex: staff.email_index, ip: input.ip, now });
  if (attempt.retryAt !== null) return { kind: 'throttled', retryAt: attempt.retryAt };
  const staffId = Number(staff.id);
  if (!(await claimCurrentCode(core, staff, input.code, now))) {
    await recordFailure(core, attempt, { staff, actorId: null, stage: 'two-step code', now });
    return { kind: 'wrong' };
  }
  return db.transaction().execute(async (trx) => {
    const at = Date.now();
    await deleteSession(trx, input.session.tokenHash);
    const token = await startSession(trx, staffId, { mfaPending: false, replacing: undefined, now: at });
    await finishSignIn(trx, staff, at, { twoFactor: true });
    return { kind: 'signed_in' as const, token };
  });
}

/** Whether a code is the account's current one and not used before; if so, it is used now. */
async function claimCurrentCode(core: Core, staff: StaffRow, code: string, now: number): Promise<boolean> {
  if (!staff.totp_secret_enc) return false;
  const step = matchTotpStep(core.keyring.decrypt(staff.totp_secret_enc), code, now);
  return step !== null && (await claimTotpStep(core.db, Number(staff.id), step, now));
}

// ---- password reset ----------------------------------------------------------------------------------------

/** What the forgotten-password form takes. */
export const ForgotSchema = z.object({ email: emailField('your email address') });

/**
 * Sends a reset link (1 h, single use) if an enabled account has this email; otherwise does nothing. The caller
 * shows the same page either way, so the form cannot be used to find out who is staff.
 */
export async function requestPasswordReset(core: Core, email: string): Promise<void> {
  const { db, keyring, mailer, config } = core;
  const staff = await findStaffByEmailIndex(db, emailIndexOf(keyring, email));
  if (!staff || staff.disabled_at !== null) return;
  const staffId = Number(staff.id);
  const now = Date.now();
  const last = await newestTokenAt(db, 'password_reset', staffId, { usableAt: now });
  if (last !== undefined && now - last < RESET_RESEND_GAP_MS) return;
  const site = await getSiteSettings(db);
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await deleteTokensOf(trx, { purposes: ['password_reset'], subjectId: staffId });
    await insertToken(trx, {
      tokenHash: hashToken(token),
      purpose: 'password_reset',
      subjectId: staffId,
      at: now,
      expiresAt: now + RESET_TOKEN_MS,
    });
    const mail = passwordResetEmail({
      orgName: site.orgName,
      name: keyring.decrypt(staff.name_enc),
      link: `${config.baseUrl}/admin/password/reset/${token}`,
    });
    await mailer.enqueue(trx, { ...mail, to: keyring.decrypt(staff.email_enc) });
    await recordAudit(trx, { staffId: null, action: 'password.reset_requested', target: staffTarget(staffId) });
  });
}

const RESET_PURPOSES: TokenPurpose[] = ['password_reset', 'staff_invite'];
const resetInvalid = 'This link is not valid: it may have expired or been used already. Ask for a new one from the sign-in page.';

/** Whether a reset (or invitation) link can be used, and which kind it is. */
export async function resetLinkKind(db: Db, token: string): Promise<'password_reset' | 'staff_invite' | null> {
  if (!SESSION_TOKEN.test(token)) return null;
  const row = await findUsableToken(db, hashToken(token), RESET_PURPOSES, Date.now());
  return row ? (row.purpose as 'password_reset' | 'staff_invite') : null;
}

/** A new password, typed twice. */
export const NewPasswordSchema = z
  .object({ password: passwordPolicy, confirm: z.string({ error: 'Enter the password again' }).max(1024, 'Enter the same password again') })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords do not match' });

/** Sets a new password through a reset or invitation link (used once), signing the account out everywhere. */
export async function resetPassword(core: Core, token: string, password: string): Promise<void> {
  const { db } = core;
  const kind = await resetLinkKind(db, token);
  if (!kind) throw new DomainError('not_found', resetInvalid);
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    const now = Date.now();
    const row = await findUsableToken(trx, hashToken(token), RESET_PURPOSES, now);
    if (!row || !(await useTokenOf(trx, hashToken(token), RESET_PURPOSES, now)) || row.subject_id === null)
      throw new DomainError('not_found', resetInvalid);
    const staffId = Number(row.subject_id);
    const staff = await findStaffById(trx, staffId);
    if (!staff || staff.disabled_at !== null) throw new DomainError('not_found', resetInvalid);
    await updateStaff(trx, staffId, { password_hash: passwordHash, updated_at: now });
    await deleteSessionsOfStaff(trx, staffId);
    await deleteTokensOf(trx, { purposes: RESET_PURPOSES, subjectId: staffId });
    await deleteLoginFailures(trx, accountKey(staff.email_index));
    await recordAudit(trx, {
      staffId,
      action: row.purpose === 'staff_invite' ? 'staff.invite_accepted' : 'password.reset',
      target: staffTarget(staffId),
    });
  });
}

// ---- your account ------------------------------------------------------------------------------------------

/** Changing your own password: the current one, and the new one twice. */
export const ChangePasswordSchema = z
  .object({
    current: z
      .string({ error: 'Enter your current password' })
      .min(1, 'Enter your current password')
      .max(1024, 'Your current password is not right'),
    password: passwordPolicy,
    confirm: z.string({ error: 'Enter the new password again' }).max(1024, 'Enter the same password again'),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords do not match' });

/** What a form that checks your password does: done, or paused because of too many wrong passwords. */
export type Checked = { kind: 'done' } | { kind: 'throttled'; retryAt: number };

/**
 * Changes your own password after checking the current one (wrong guesses count as failed sign-ins, and an
 * address that has been failing may have to wait), and signs out every other session.
 */
export async function changeOwnPassword(
  core: Core,
  session: StaffSession,
  input: { current: string; password: string; ip: string },
): Promise<Checked> {
  const { db } = core;
  const staff = await findStaffById(db, session.staffId);
  if (!staff) throw new DomainError('not_found', 'There is no staff account here.');
  const now = Date.now();
  const attempt = await checkAttempt(core, { emailIndex: staff.email_index, ip: input.ip, now });
  if (attempt.retryAt !== null) return { kind: 'throttled', retryAt: attempt.retryAt };
  if (!(await verifyPassword(input.current, staff.password_hash))) {
    await recordFailure(core, attempt, { staff, actorId: session.staffId, stage: 'password', now });
    const wrong = 'Your current password is not right';
    throw new DomainError('invalid', wrong, { current: wrong });
  }
  const passwordHash = await hashPassword(input.password);
  await db.transaction().execute(async (trx) => {
    await updateStaff(trx, session.staffId, { password_hash: passwordHash, updated_at: Date.now() });
    await deleteSessionsOfStaff(trx, session.staffId, { except: session.tokenHash });
    await deleteTokensOf(trx, { purposes: RESET_PURPOSES, subjectId: session.staffId });
    await recordAudit(trx, { staffId: session.staffId, action: 'password.change', target: staffTarget(session.staffId) });
  });
  return { kind: 'done' };
}

export type TwoFactorSetup = { enabled: true } | { enabled: false; secret: string; uri: string; qrSvg: string };

/**
 * Two-step sign-in for an account: already on, or the secret to scan. A secret being set up is kept (encrypted)
 * until confirmed with a code, so reloading the page does not invalidate what was scanned.
 */
export async function twoFactorSetup(core: Core, staffId: number): Promise<TwoFactorSetup> {
  const { db, keyring } = core;
  const staff = await findStaffById(db, staffId);
  if (!staff) throw new DomainError('not_found', 'There is no staff account here.');
  if (staff.totp_enabled_at !== null) return { enabled: true };
  let secret: string;
  if (staff.totp_secret_enc) secret = keyring.decrypt(staff.totp_secret_enc);
  else {
    secret = newTotpSecret();
    await updateStaff(db, staffId, { totp_secret_enc: keyring.encrypt(secret), totp_last_step: null, updated_at: Date.now() });
  }
  const site = await getSiteSettings(db);
  const uri = totpUri(secret, { issuer: site.orgName, label: keyring.decrypt(staff.name_enc) });
  return { enabled: false, secret, uri, qrSvg: await totpQrSvg(uri) };
}

/** Turns on two-step sign-in once a code from the new secret proves the app is set up. */
export async function enableTwoFactor(core: Core, staffId: number, code: string): Promise<void> {
  const { db, keyring } = core;
  const staff = await findStaffById(db, staffId);
  if (!staff) throw new DomainError('not_found', 'There is no staff account here.');
  if (staff.totp_enabled_at !== null) return;
  const wrong = 'That code is not right. Check that your phone shows the right time, and enter the newest code.';
  if (!staff.totp_secret_enc) throw new DomainError('invalid', wrong, { code: wrong });
  const step = matchTotpStep(keyring.decrypt(staff.totp_secret_enc), code);
  if (step === null) throw new DomainError('invalid', wrong, { code: wrong });
  await db.transaction().execute(async (trx) => {
    const now = Date.now();
    await updateStaff(trx, staffId, { totp_enabled_at: now, totp_last_step: step, updated_at: now });
    await recordAudit(trx, { staffId, action: '2fa.on', target: staffTarget(staffId) });
  });
}

/** Turning two-step sign-in off needs your password and a current code: a session alone is not enough. */
export const DisableTwoFactorSchema = z.object({
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(1024, 'Your password is not right'),
  code: CodeSchema.shape.code,
});

/**
 * Turns off your own two-step sign-in after checking your password and a current code from your app; refused when
 * the organisation requires it. Wrong passwords and codes count as failed sign-ins, and an address that has been
 * failing may have to wait, as at sign-in, so a stolen session cannot be used to guess the password.
 */
export async function disableTwoFactor(
  core: Core,
  staffId: number,
  input: { password: string; code: string; ip: string },
): Promise<Checked> {
  const { db } = core;
  if ((await getSiteSettings(db)).require2fa) {
    const m = 'Your organisation requires two-step sign-in, so it cannot be turned off.';
    throw new DomainError('invalid', m, { _form: m });
  }
  const staff = await findStaffById(db, staffId);
  if (!staff) throw new DomainError('not_found', 'There is no staff account here.');
  if (staff.totp_enabled_at === null) return { kind: 'done' };
  const now = Date.now();
  const attempt = await checkAttempt(core, { emailIndex: staff.email_index, ip: input.ip, now });
  if (attempt.retryAt !== null) return { kind: 'throttled', retryAt: attempt.retryAt };
  if (!(await verifyPassword(input.password, staff.password_hash))) {
    await recordFailure(core, attempt, { staff, actorId: staffId, stage: 'password', now });
    const m = 'Your password is not right';
    throw new DomainError('invalid', m, { password: m });
  }
  if (!(await claimCurrentCode(core, staff, input.code, now))) {
    await recordFailure(core, attempt, { staff, actorId: staffId, stage: 'two-step code', now });
    const m = 'That code is not right, or it has been used already. Wait for the next code and try again.';
    throw new DomainError('invalid', m, { code: m });
  }
  await db.transaction().execute(async (trx) => {
    await updateStaff(trx, staffId, { totp_secret_enc: null, totp_enabled_at: null, totp_last_step: null, updated_at: Date.now() });
    await recordAudit(trx, { staffId, action: '2fa.off', target: staffTarget(staffId) });
  });
  return { kind: 'done' };
}

// ---- housekeeping ------------------------------------------------------------------------------------------

/** Deletes expired and idle sessions, expired links and sign-in failures older than a day (they count no longer). */
export async function deleteExpiredSignInRecords(core: Core): Promise<void> {
  const now = Date.now();
  await deleteStaleSessions(core.db, { now, idleSince: now - SESSION_IDLE_MS });
  await deleteExpiredTokens(core.db, now - HOUR);
  await deleteOldLoginFailures(core.db, now - FAILURE_MEMORY_MS);
}

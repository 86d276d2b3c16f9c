import { auditDetails, targetId, type AuditDescriber, type AuditDescription, type AuditRecord } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { staffNamesById } from './service.js';

// The staff capability's audit codes in words: sign-ins, accounts, passwords and two-step sign-in.

const ROLE_WORDS: Record<string, string> = {
  owner: 'owner',
  editor: 'editor',
  campaigner: 'campaigner',
  treasurer: 'treasurer',
  viewer: 'viewer',
};
const role = (v: unknown) => (typeof v === 'string' ? (ROLE_WORDS[v] ?? v) : 'a role');

function describe(r: AuditRecord, name: string): AuditDescription | undefined {
  const d = auditDetails(r);
  const self = r.staffId !== null && targetId(r.target, 'staff') === r.staffId;
  const them = { subject: name, href: '/admin/staff' };
  switch (r.action) {
    case 'setup':
      return { did: 'set up their account' };
    case 'login.success':
      return { did: 'signed in', more: d.twoFactor ? 'with a two-step code' : undefined };
    case 'logout':
      return { did: 'signed out' };
    case 'login.failure':
      return {
        who: 'Someone',
        did: `failed to sign in${r.target ? ' as' : ''}`,
        subject: r.target ? name : undefined,
        more: d.stage === 'two-step code' ? 'wrong two-step code' : 'wrong password',
      };
    case 'staff.add':
      return d.via === 'command line'
        ? { who: 'The server’s command line', did: 'added', ...them, more: `as ${role(d.role)}` }
        : { did: 'invited', ...them, more: `as ${role(d.role)}` };
    case 'staff.invite_accepted':
      return { did: 'accepted the invitation and chose a password' };
    case 'staff.role_change':
      return { did: 'changed the role of', ...them, more: `from ${role(d.from)} to ${role(d.to)}` };
    case 'staff.disable':
      return { did: 'switched off the account of', ...them };
    case 'staff.enable':
      return { did: 'switched on the account of', ...them };
    case 'password.reset_requested':
      return { who: 'Someone', did: 'asked for a password reset for', subject: name };
    case 'password.reset':
      return { did: 'chose a new password through a reset link' };
    case 'password.change':
      return { did: 'changed their password' };
    case '2fa.on':
      return { did: 'turned on two-step sign-in' };
    case '2fa.off':
      return self || d.by !== 'owner' ? { did: 'turned off two-step sign-in' } : { did: 'turned off two-step sign-in for', ...them };
    default:
      return undefined;
  }
}

/** Puts the staff capability's audit entries in words, with the names of the staff members they are about. */
export function describeStaffAudit(core: Core): AuditDescriber {
  return async (db, entries) => {
    const ids = [...new Set(entries.flatMap((e) => targetId(e.target, 'staff') ?? []))];
    const names = await staffNamesById(db, core.keyring, ids);
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const id = targetId(e.target, 'staff');
      const described = describe(e, id === undefined ? 'an account' : (names.get(id) ?? 'a deleted account'));
      if (described) out.set(e.id, described);
    }
    return out;
  };
}

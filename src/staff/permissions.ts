import type { StaffRole } from './tables.js';

// Every admin route names one of these permissions beside it; roles are fixed sets of them.
export const PERMISSIONS = [
  'dashboard:view',
  'settings:manage',
  'staff:manage',
  'audit:view',
  'mail:view',
  'jobs:view',
  'jobs:manage',
  'account:manage',
  'supporters:view',
  'supporters:manage',
  'supporters:import',
  'supporters:export',
  'lists:manage',
  'newsletters:edit',
  'newsletters:send',
  'actions:edit',
  'actions:moderate',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES: readonly StaffRole[] = ['owner', 'editor', 'campaigner', 'viewer'];

const everything = new Set<Permission>(PERMISSIONS);

export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, ReadonlySet<Permission>>> = {
  // Owners run the install: staff, settings, the audit log and everything else.
  owner: everything,
  // Editors publish content (later issues add those permissions). The mail catcher stays with owners: it holds
  // password-reset links, so reading it would let anyone take over another staff account.
  // Editors may draft newsletters but not send them, and see no supporter records.
  // Editors may also write and open actions, but not moderate what supporters sent (that shows their words).
  editor: new Set<Permission>(['dashboard:view', 'jobs:view', 'account:manage', 'newsletters:edit', 'actions:edit']),
  // Campaigners run the list, actions and newsletters: supporter records, import and export (audited), sending.
  campaigner: new Set<Permission>([
    'dashboard:view',
    'jobs:view',
    'jobs:manage',
    'account:manage',
    'supporters:view',
    'supporters:manage',
    'supporters:import',
    'supporters:export',
    'lists:manage',
    'newsletters:edit',
    'newsletters:send',
    'actions:edit',
    'actions:moderate',
  ]),
  // Viewers see the dashboard and nothing personal.
  viewer: new Set<Permission>(['dashboard:view', 'account:manage']),
};

/** Whether a role carries a permission. */
export function roleCan(role: StaffRole, permission: string): boolean {
  return ROLE_PERMISSIONS[role]?.has(permission as Permission) ?? false;
}

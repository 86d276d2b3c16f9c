import type { Core, PermissionGrant } from '../core/context.js';
import type { StaffRole } from './tables.js';

// Every admin route names one permission beside it; each capability declares the permissions its routes name and
// the roles that hold them (capability.ts), and app.ts hands them all to the core. Roles are the sets built here
// from those declarations: owners run the install (staff, settings, the audit log and everything else), so they
// hold every permission any capability declares. Editors publish content (later issues add those permissions).

export const ROLES: readonly StaffRole[] = ['owner', 'editor', 'campaigner', 'viewer'];

// removed when every capability declares its permissions
// Today's grants of the permissions no capability on this branch declares yet; a grant declared by a capability
// always wins over these. The reasons, as they stood in the one global table: editors may draft newsletters but
// not send them, and see no supporter records; they may write and open actions, but not moderate what supporters
// sent (that shows their words). Campaigners run the list, actions and newsletters: supporter records, import and
// export (audited), sending.
const UNDECLARED_FALLBACK: readonly PermissionGrant[] = [
  { name: 'supporters:view', label: 'See supporter records', roles: ['campaigner'] },
  { name: 'supporters:manage', label: 'Change supporter records', roles: ['campaigner'] },
  { name: 'supporters:import', label: 'Import supporters', roles: ['campaigner'] },
  { name: 'supporters:export', label: 'Export supporters', roles: ['campaigner'] },
  { name: 'lists:manage', label: 'Manage lists', roles: ['campaigner'] },
  { name: 'newsletters:edit', label: 'Draft newsletters', roles: ['editor', 'campaigner'] },
  { name: 'newsletters:send', label: 'Send newsletters', roles: ['campaigner'] },
  { name: 'actions:edit', label: 'Write and open actions', roles: ['editor', 'campaigner'] },
  { name: 'actions:moderate', label: 'Moderate what supporters sent', roles: ['campaigner'] },
];

/** Which permissions each role holds. */
export type RoleTable = Readonly<Record<StaffRole, ReadonlySet<string>>>;

/** Builds the role table from the capabilities' declarations: owners hold every declared permission. */
export function buildRoleTable(declared: readonly PermissionGrant[]): RoleTable {
  const names = new Set(declared.map((g) => g.name));
  const grants = [...declared, ...UNDECLARED_FALLBACK.filter((g) => !names.has(g.name))];
  const table: Record<StaffRole, Set<string>> = { owner: new Set(), editor: new Set(), campaigner: new Set(), viewer: new Set() };
  for (const g of grants) {
    table.owner.add(g.name);
    for (const role of g.roles) table[role].add(g.name);
  }
  return table;
}

// One table per assembled core (the declarations never change once app.ts has built it).
const tables = new WeakMap<readonly PermissionGrant[], RoleTable>();
const NONE: readonly PermissionGrant[] = [];

/** The role table of this core's capabilities. */
export function roleTable(core: Pick<Core, 'permissions'>): RoleTable {
  const declared = core.permissions ?? NONE;
  let table = tables.get(declared);
  if (!table) {
    table = buildRoleTable(declared);
    tables.set(declared, table);
  }
  return table;
}

/** Whether a role carries a permission, among those this core's capabilities declare. */
export function roleCan(core: Pick<Core, 'permissions'>, role: StaffRole, permission: string): boolean {
  return roleTable(core)[role]?.has(permission) ?? false;
}

/** Whether some capability declares this permission (every permission is held by owners, so the owner's set is all of them). */
export function isDeclaredPermission(core: Pick<Core, 'permissions'>, permission: string): boolean {
  return roleTable(core).owner.has(permission);
}

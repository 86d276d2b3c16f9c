import type { Core, PermissionGrant } from '../core/context.js';
import type { StaffRole } from './tables.js';

// Every admin route names one permission beside it; each capability declares the permissions its routes name and
// the roles that hold them (capability.ts), and app.ts hands them all to the core. Roles are the sets built here
// from those declarations: owners run the install (staff, settings, the audit log and everything else), so they
// hold every permission any capability declares. Editors publish content (later issues add those permissions).

export const ROLES: readonly StaffRole[] = ['owner', 'editor', 'campaigner', 'treasurer', 'viewer'];

/** Which permissions each role holds. */
export type RoleTable = Readonly<Record<StaffRole, ReadonlySet<string>>>;

/** Builds the role table from the capabilities' declarations: owners hold every declared permission. */
export function buildRoleTable(declared: readonly PermissionGrant[]): RoleTable {
  const grants = declared;
  const table: Record<StaffRole, Set<string>> = {
    owner: new Set(),
    editor: new Set(),
    campaigner: new Set(),
    treasurer: new Set(),
    viewer: new Set(),
  };
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

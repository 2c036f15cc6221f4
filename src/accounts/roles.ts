// What each role may do. Routes ask for a permission, never for a role, so adding a role or
// moving a right is a change to this table alone.

export const roles = ['owner', 'security_responder', 'product_manager', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const roleLabels: Record<Role, string> = {
  owner: 'Owner',
  security_responder: 'Security responder',
  product_manager: 'Product manager',
  viewer: 'Viewer',
};

export const permissions = ['organisation.read', 'organisation.manage', 'products.read', 'products.write', 'members.read', 'members.manage', 'tokens.manage', 'audit.read', 'reports.read', 'reports.triage', 'disclosure.manage'] as const;
export type Permission = (typeof permissions)[number];

const everyone: readonly Role[] = roles;
const grants: Record<Permission, readonly Role[]> = {
  'organisation.read': everyone,
  'organisation.manage': ['owner'],
  'products.read': everyone,
  'products.write': ['owner', 'product_manager'],
  'members.read': everyone,
  'members.manage': ['owner'],
  'tokens.manage': ['owner'],
  'audit.read': ['owner'],
  // Unpublished vulnerabilities are seen by the people who handle them, and no one else.
  'reports.read': ['owner', 'security_responder'],
  'reports.triage': ['owner', 'security_responder'],
  'disclosure.manage': ['owner', 'security_responder'],
};

export function roleMay(role: Role, permission: Permission): boolean {
  return grants[permission].includes(role);
}

/**
 * Scopes an API token can carry. Writing is limited to products (for makers' PIM integrations);
 * members, tokens and settings change only through a signed-in person.
 */
export const tokenScopes = ['products.read', 'products.write', 'members.read', 'audit.read'] as const satisfies readonly Permission[];
export type TokenScope = (typeof tokenScopes)[number];

export function scopesMay(scopes: readonly string[], permission: Permission): boolean {
  return permission === 'organisation.read' || scopes.includes(permission);
}

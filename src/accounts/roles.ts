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

export const permissions = [
  'organisation.read',
  'organisation.manage',
  'products.read',
  'products.write',
  'members.read',
  'members.manage',
  'tokens.manage',
  'audit.read',
  'reports.read',
  'reports.triage',
  'disclosure.manage',
  'compliance.read',
  'evidence.write',
  'compliance.judge',
  'statements.issue',
] as const;
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
  // The assessment is everyone's to read; the people who build and secure the product add
  // evidence and judge provisions; a Statement is signed by an owner or the product's manager.
  'compliance.read': everyone,
  'evidence.write': ['owner', 'product_manager', 'security_responder'],
  'compliance.judge': ['owner', 'product_manager', 'security_responder'],
  'statements.issue': ['owner', 'product_manager'],
};

export function roleMay(role: Role, permission: Permission): boolean {
  return grants[permission].includes(role);
}

/**
 * Scopes an API token can carry. Writing is limited to products (for makers' PIM integrations);
 * members, tokens and settings change only through a signed-in person.
 */
export const tokenScopes = ['products.read', 'products.write', 'members.read', 'audit.read', 'evidence.write', 'compliance.read'] as const satisfies readonly Permission[];
export type TokenScope = (typeof tokenScopes)[number];

export function scopesMay(scopes: readonly string[], permission: Permission): boolean {
  return permission === 'organisation.read' || scopes.includes(permission);
}

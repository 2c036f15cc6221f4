import type { FastifyRequest } from 'fastify';
import {
  authenticateApiToken,
  findSession,
  getOrganisation,
  roleMay,
  scopesMay,
  type ApiToken,
  type Organisation,
  type Permission,
  type User,
} from '../accounts/index.ts';
import type { Actor } from '../audit/index.ts';
import { ConnectableError, forbidden, unauthenticated } from '../errors.ts';
import type { Database } from '../store/index.ts';
import { SESSION_COOKIE } from './cookies.ts';

/** Who is making a request: nobody, a person with a session, or an organisation's API token. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: User; organisation: Organisation; csrfSecret: string; sessionToken: string }
  | { kind: 'token'; token: ApiToken; organisation: Organisation };

export async function resolvePrincipal(db: Database, request: FastifyRequest): Promise<Principal> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const found = match?.[1] ? await authenticateApiToken(db, match[1]) : undefined;
    // A bad token is an error, never a silent fall back to anonymous: a CI job should fail loudly.
    if (!found) throw new ConnectableError('CONNECTABLE_ERR_UNAUTHENTICATED', 'The API token is not valid or was revoked. Create a new one under Console → API tokens.');
    return { kind: 'token', ...found };
  }
  const sessionToken = request.cookies[SESSION_COOKIE];
  if (sessionToken) {
    const session = await findSession(db, sessionToken);
    const organisation = session && (await getOrganisation(db, session.user.organisationId));
    if (session && organisation) return { kind: 'user', user: session.user, organisation, csrfSecret: session.csrfSecret, sessionToken };
  }
  return { kind: 'anonymous' };
}

export type Authorised = Exclude<Principal, { kind: 'anonymous' }>;

/** The principal if it holds the permission; 401 for nobody, 403 for a lack of right. */
export function authorise(principal: Principal, permission: Permission): Authorised {
  if (principal.kind === 'anonymous') throw unauthenticated();
  const allowed = principal.kind === 'user' ? roleMay(principal.user.role, permission) : scopesMay(principal.token.scopes, permission);
  if (!allowed) {
    throw forbidden(
      principal.kind === 'user'
        ? `Your role does not allow this (${permission}). Ask an owner of ${principal.organisation.name} if you need it.`
        : `This API token lacks the scope ${permission}. Create a token with that scope.`,
    );
  }
  return principal;
}

/** Only a signed-in person (console pages, never API tokens). */
export function authoriseUser(principal: Principal, permission: Permission): Extract<Principal, { kind: 'user' }> {
  if (principal.kind === 'token') throw forbidden('API tokens cannot use the console; sign in as a person.');
  const p = authorise(principal, permission);
  if (p.kind !== 'user') throw unauthenticated();
  return p;
}

export function actorOf(principal: Authorised, ip: string): Actor & { organisationId: string } {
  return principal.kind === 'user'
    ? { userId: principal.user.id, organisationId: principal.organisation.id, label: principal.user.email, ip }
    : { organisationId: principal.organisation.id, label: `token:${principal.token.name}`, ip };
}

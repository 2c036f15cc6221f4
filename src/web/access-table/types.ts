import type { Role } from '../../accounts/index.ts';
import type { PlatformDatabase } from '../../store/index.ts';

// The access table, in one file per area of the site: each file lists its routes and what every
// kind of caller must get. access.test.ts loads every file in this folder and fails on any route
// the server has that no file lists.

export type Caller = 'anonymous' | 'other' | Role;
export const callers: readonly Caller[] = ['anonymous', 'other', 'owner', 'security_responder', 'product_manager', 'viewer'];

export interface Prepared {
  url: string;
  body?: Record<string, string>;
  /** Extra request headers, e.g. an Accept for content negotiation. */
  headers?: Record<string, string>;
}

export interface Row {
  /** Builds the concrete request, e.g. a fresh invitation to revoke. */
  prepare?: () => Promise<Prepared>;
  expect: Record<Caller, number>;
  /** Ask for JSON rather than HTML. */
  api?: boolean;
  /**
   * A public page or API: it may show organisation A's published products to anyone, but never
   * its members, drafts or unpublished products.
   */
  public?: boolean;
}

/** Organisation A's fixtures, which callers of organisation B must never reach. */
export interface AccessContext {
  db: PlatformDatabase;
  orgA: string;
  orgB: string;
  /** A member (the viewer) of organisation A. */
  targetMemberId: string;
  /** A product of organisation A with a published support period, and its GTIN-14. */
  productA: string;
  gtinA: string;
  makerSlugA: string;
  productSlugA: string;
  next(): number;
}

export type AccessRows = (ctx: AccessContext) => Record<string, Row>;

/** Owners and security responders handle reports and advisories; other roles of organisation A get 403. */
export const responders = (status: number, otherStatus: number, anonymous: number): Record<Caller, number> => ({
  anonymous,
  other: otherStatus,
  owner: status,
  security_responder: status,
  product_manager: 403,
  viewer: 403,
});

export const everyone = (status: number): Record<Caller, number> => Object.fromEntries(callers.map((c) => [c, status])) as Record<Caller, number>;
export const signedIn = (status: number, anonymous: number): Record<Caller, number> => ({ ...everyone(status), anonymous });
export const ownerOnly = (ownerStatus: number, otherStatus: number, anonymous: number): Record<Caller, number> => ({
  anonymous,
  other: otherStatus,
  owner: ownerStatus,
  security_responder: 403,
  product_manager: 403,
  viewer: 403,
});
/** Owners and product managers may change products; others of org A get 403. */
export const productEditors = (status: number, otherStatus: number, anonymous: number): Record<Caller, number> => ({
  anonymous,
  other: otherStatus,
  owner: status,
  security_responder: 403,
  product_manager: status,
  viewer: 403,
});

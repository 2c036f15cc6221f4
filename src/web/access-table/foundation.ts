import { createApiToken, invite } from '../../accounts/index.ts';
import { everyone, ownerOnly, signedIn, type AccessRows } from './types.ts';

export const foundationRows: AccessRows = (ctx) => ({
  'GET /healthz': { expect: everyone(200) },
  // The test platform runs no job queue, so readiness honestly says "not ready".
  'GET /readyz': { expect: everyone(503) },
  'GET /assets/app.css': { expect: everyone(200) },
  'GET /': { expect: signedIn(303, 200) },
  'GET /sign-in': { expect: signedIn(303, 200) },
  'POST /sign-in': { prepare: async () => ({ url: '/sign-in', body: { email: `nobody${ctx.next()}@nowhere.test`, password: 'wrong wrong wrong' } }), expect: everyone(401) },
  'GET /sign-in/code': { expect: everyone(303) },
  'POST /sign-in/code': { prepare: async () => ({ url: '/sign-in/code', body: { code: '123456' } }), expect: everyone(401) },
  'POST /sign-out': { expect: everyone(303) },
  'GET /setup/:token': { prepare: async () => ({ url: '/setup/not-a-real-token' }), expect: everyone(404) },
  'POST /setup/:token': { prepare: async () => ({ url: '/setup/not-a-real-token', body: {} }), expect: everyone(404) },
  'GET /invitations/:token': { prepare: async () => ({ url: '/invitations/not-a-real-token' }), expect: everyone(404) },
  'POST /invitations/:token': { prepare: async () => ({ url: '/invitations/not-a-real-token', body: {} }), expect: everyone(404) },
  'GET /console': { expect: signedIn(200, 303) },
  'GET /console/products': { expect: signedIn(200, 303) },
  'GET /console/members': { expect: signedIn(200, 303) },
  'POST /console/members/invite': {
    prepare: async () => ({ url: '/console/members/invite', body: { email: `new${ctx.next()}@example.test`, role: 'viewer' } }),
    expect: ownerOnly(200, 200, 401),
  },
  'POST /console/members/:userId/role': {
    prepare: async () => ({ url: `/console/members/${ctx.targetMemberId}/role`, body: { role: 'viewer' } }),
    expect: ownerOnly(303, 404, 401),
  },
  'POST /console/invitations/:invitationId/revoke': {
    prepare: async () => {
      const { invitation } = await invite(ctx.db, { label: 'test', organisationId: ctx.orgA }, { email: `revoke${ctx.next()}@acme.test`, role: 'viewer' });
      return { url: `/console/invitations/${invitation.id}/revoke` };
    },
    expect: ownerOnly(303, 404, 401),
  },
  'GET /console/tokens': { expect: ownerOnly(200, 200, 303) },
  'POST /console/tokens': { prepare: async () => ({ url: '/console/tokens', body: { name: 'ci', scopes: 'products.read' } }), expect: ownerOnly(200, 200, 401) },
  'POST /console/tokens/:tokenId/revoke': {
    prepare: async () => {
      const { token } = await createApiToken(ctx.db, { label: 'test', organisationId: ctx.orgA }, { name: `t${ctx.next()}`, scopes: ['products.read'] });
      return { url: `/console/tokens/${token.id}/revoke` };
    },
    expect: ownerOnly(303, 404, 401),
  },
  'GET /console/security': { expect: signedIn(200, 303) },
  'POST /console/security/totp/start': { expect: signedIn(303, 401) },
  'POST /console/security/totp/confirm': { prepare: async () => ({ url: '/console/security/totp/confirm', body: { code: '000000' } }), expect: signedIn(400, 401) },
  'POST /console/security/totp/disable': { prepare: async () => ({ url: '/console/security/totp/disable', body: { password: 'not the password' } }), expect: signedIn(400, 401) },
  'GET /console/audit': { expect: ownerOnly(200, 200, 303) },
  'GET /api/v1/organisation': { expect: signedIn(200, 401), api: true },
  'GET /api/v1/products': { expect: signedIn(200, 401), api: true },
  'GET /api/v1/members': { expect: signedIn(200, 401), api: true },
  'GET /api/v1/audit': { expect: ownerOnly(200, 200, 401), api: true },
});

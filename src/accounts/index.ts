export { accountsMigrations } from './tables.ts';
export { roles, roleLabels, roleMay, scopesMay, tokenScopes, permissions, type Role, type Permission, type TokenScope } from './roles.ts';
export { passwordProblem, MIN_PASSWORD_LENGTH } from './password-policy.ts';
export {
  createOrganisation,
  getOrganisation,
  findOrganisationBySlug,
  listOrganisations,
  organisationKinds,
  type Organisation,
  type OrganisationKind,
} from './organisations.ts';
export { getUser, listMembers, changeRole, insertUser, parseNewAccount, type User } from './users.ts';
export { createSession, findSession, endSession, endAllSessions, SESSION_HOURS, type Session } from './sessions.ts';
export { signIn, completeSecondFactor, lockout, type SignInResult } from './sign-in.ts';
export { issueSetupToken, describeSetupToken, completeSetup, hasAnyUser } from './setup.ts';
export { invite, listOpenInvitations, revokeInvitation, describeInvitation, acceptInvitation, type Invitation } from './invitations.ts';
export { createApiToken, listApiTokens, revokeApiToken, authenticateApiToken, API_TOKEN_PREFIX, type ApiToken } from './api-tokens.ts';
export { startTotpEnrolment, pendingTotpSecret, confirmTotpEnrolment, disableTotp, unusedRecoveryCodes } from './second-factor.ts';
export { totpUri, totpCode } from './totp.ts';
export { instanceSecret } from './instance-secret.ts';
export { hmac, safeEqual, randomToken, hashToken } from './secrets.ts';

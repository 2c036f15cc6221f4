import { checkUserPassword, USER_PASSWORD_MIN_LENGTH } from '../passwords/index.ts';

// Our own accounts follow the same policy we give makers for user-set device passwords (NIST SP
// 800-63B: length, common and default lists, no personal details, estimated strength), so the
// one rule lives in passwords/ and this is its use for sign-up.

export const MIN_PASSWORD_LENGTH = USER_PASSWORD_MIN_LENGTH;

/** Returns why the password is not acceptable, or undefined when it is. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | undefined {
  const identifiers = [context.email, context.email?.split('@')[0], context.name].filter((s): s is string => typeof s === 'string' && s.length > 0);
  return checkUserPassword(password, { identifiers }).reasons[0];
}

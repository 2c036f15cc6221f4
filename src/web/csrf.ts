import type { FastifyReply, FastifyRequest } from 'fastify';
import { hmac, randomToken, safeEqual } from '../accounts/index.ts';
import { ConnectableError } from '../errors.ts';
import { ANON_CSRF_COOKIE, setCookie } from './cookies.ts';
import type { Principal } from './principal.ts';

// Synchroniser tokens: a signed-in form carries an HMAC of the session's own CSRF secret; an
// anonymous form (sign-in, setup, invitation) an HMAC of a random cookie. Either way a page on
// another site cannot know the value, and SameSite=Lax cookies are a second wall.

function bindingOf(request: FastifyRequest, principal: Principal): string | undefined {
  if (principal.kind === 'user') return `s:${principal.csrfSecret}`;
  const anon = request.cookies[ANON_CSRF_COOKIE];
  return anon ? `a:${anon}` : undefined;
}

/** The token to put in forms; makes the anonymous cookie when a visitor has none. */
export function csrfTokenFor(key: string, request: FastifyRequest, reply: FastifyReply, principal: Principal): string {
  let binding = bindingOf(request, principal);
  if (!binding) {
    const anon = randomToken();
    setCookie(request, reply, ANON_CSRF_COOKIE, anon);
    request.cookies[ANON_CSRF_COOKIE] = anon;
    binding = `a:${anon}`;
  }
  return hmac(key, binding);
}

export function verifyCsrf(key: string, request: FastifyRequest, principal: Principal): void {
  const body = request.body;
  const sent =
    (typeof body === 'object' && body !== null && '_csrf' in body && typeof body._csrf === 'string' ? body._csrf : undefined) ??
    (typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : undefined);
  const binding = bindingOf(request, principal);
  if (!sent || !binding || !safeEqual(sent, hmac(key, binding))) {
    throw new ConnectableError(
      'CONNECTABLE_ERR_CSRF',
      'This form has expired or did not come from this site. Go back, reload the page, and submit it again.',
    );
  }
}

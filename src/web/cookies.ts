import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'cn_session';
export const PENDING_COOKIE = 'cn_pending';
export const ANON_CSRF_COOKIE = 'cn_csrf';

/** HttpOnly and SameSite=Lax always; Secure whenever the request came over TLS. */
export function setCookie(request: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAgeSeconds?: number): void {
  reply.setCookie(name, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}

export function clearCookie(request: FastifyRequest, reply: FastifyReply, name: string): void {
  reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' });
}

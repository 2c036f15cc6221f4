import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { completeSecondFactor, endSession, SESSION_HOURS, signIn, type SignInResult } from '../../../accounts/index.ts';
import { recordAudit } from '../../../audit/index.ts';
import { bodyOf, type Platform } from '../../context.ts';
import { clearCookie, PENDING_COOKIE, SESSION_COOKIE, setCookie } from '../../cookies.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field } from '../../views/forms.ts';

// Brute force meets two walls: this per-address request limit, and the per-account and
// per-address lockout kept in the database (which holds across processes and restarts).
export const signInRateLimit = { rateLimit: { max: 30, timeWindow: '1 minute' } };

/** Only a path on this site: an absolute or protocol-relative "next" would be an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length < 500 ? next : '/console';
}

/** Starts a new session cookie, ending any session the browser had (no session fixation). */
export async function startSession(platform: Platform, request: FastifyRequest, reply: FastifyReply, token: string): Promise<void> {
  const previous = request.cookies[SESSION_COOKIE];
  if (previous) await endSession(platform.db, previous);
  setCookie(request, reply, SESSION_COOKIE, token, SESSION_HOURS * 3600);
  clearCookie(request, reply, PENDING_COOKIE);
}

export function registerSignIn(app: FastifyInstance, platform: Platform): void {
  const signInPage = (request: FastifyRequest, reply: FastifyReply, values: { email: string; next: string }, failure?: FormFailure) => {
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'Sign in',
      html`<h1>Sign in</h1>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/sign-in" novalidate>
  !${csrfInput(ctx.csrfToken)}
  <input type="hidden" name="next" value="${values.next}">
  !${field({ name: 'email', label: 'E-mail address', type: 'email', value: values.email, autocomplete: 'username' }, failure?.fields)}
  !${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' }, failure?.fields)}
  <button type="submit">Sign in</button>
</form>`,
      failure?.status ?? 200,
    );
  };

  const afterSignIn = async (request: FastifyRequest, reply: FastifyReply, result: SignInResult, next: string) => {
    if (result.kind === 'second-factor') {
      setCookie(request, reply, PENDING_COOKIE, result.pendingToken, 300);
      return reply.redirect(`/sign-in/code?next=${encodeURIComponent(next)}`, 303);
    }
    await startSession(platform, request, reply, result.sessionToken);
    return reply.redirect(next, 303);
  };

  app.get('/sign-in', async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>)['next']);
    if (request.principal.kind === 'user') return reply.redirect(next, 303);
    return signInPage(request, reply, { email: '', next });
  });

  app.post('/sign-in', { config: signInRateLimit }, async (request, reply) => {
    const body = bodyOf(request);
    const next = safeNext(body['next']);
    const outcome = await attempt(() => signIn(platform.db, body, request.ip));
    if (!outcome.ok) return signInPage(request, reply, { email: textOf(body, 'email'), next }, outcome.failure);
    return afterSignIn(request, reply, outcome.value, next);
  });

  const codePage = (request: FastifyRequest, reply: FastifyReply, next: string, failure?: FormFailure) => {
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'Enter your code',
      html`<h1>Enter your code</h1>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/sign-in/code" novalidate>
  !${csrfInput(ctx.csrfToken)}
  <input type="hidden" name="next" value="${next}">
  !${field({ name: 'code', label: 'Code', hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.', autocomplete: 'one-time-code', inputmode: 'numeric' }, failure?.fields)}
  <button type="submit">Continue</button>
</form>
<p><a href="/sign-in">Start again</a></p>`,
      failure?.status ?? 200,
    );
  };

  app.get('/sign-in/code', async (request, reply) => {
    const next = safeNext((request.query as Record<string, unknown>)['next']);
    if (!request.cookies[PENDING_COOKIE]) return reply.redirect('/sign-in', 303);
    return codePage(request, reply, next);
  });

  app.post('/sign-in/code', { config: signInRateLimit }, async (request, reply) => {
    const body = bodyOf(request);
    const next = safeNext(body['next']);
    const pending = request.cookies[PENDING_COOKIE];
    const outcome = await attempt(() => completeSecondFactor(platform.db, pending ?? '', body, request.ip));
    if (!outcome.ok) return codePage(request, reply, next, outcome.failure);
    return afterSignIn(request, reply, outcome.value, next);
  });

  app.post('/sign-out', async (request, reply) => {
    const p = request.principal;
    if (p.kind === 'user') {
      await endSession(platform.db, p.sessionToken);
      await recordAudit(platform.db, { userId: p.user.id, organisationId: p.organisation.id, label: p.user.email, ip: request.ip }, 'sign_out');
    }
    clearCookie(request, reply, SESSION_COOKIE);
    return reply.redirect('/sign-in', 303);
  });
}

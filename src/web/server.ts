import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { redactUrlPath as redactPath } from '../log.ts';
import { instanceSecret } from '../accounts/index.ts';
import { ConnectableError, isConnectableError } from '../errors.ts';
import type { Platform } from './context.ts';
import { verifyCsrf } from './csrf.ts';
import { resolvePrincipal } from './principal.ts';
import { embeddableCsp, securityHeaders } from './security-headers.ts';
import { pageContext, sendPage } from './render.ts';
import { registerApiRoutes } from './routes/api/v1.ts';
import { registerCatalogueApi } from './routes/api/catalogue.ts';
import { registerComplianceApi } from './routes/api/compliance.ts';
import { registerPublicApi } from './routes/api/public-v1.ts';
import { registerConsoleRoutes } from './routes/console/index.ts';
import { registerPublicRoutes } from './routes/public/index.ts';

export interface ServerOptions extends Omit<Platform, 'csrfKey' | 'proofOfWorkKey'> {
  logger?: FastifyBaseLogger | false;
}

export interface RouteEntry {
  method: string;
  url: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

/** Turns whatever was thrown into one of our catalogued errors, keeping no internals. */
function asConnectableError(error: FastifyError | Error): ConnectableError {
  if (isConnectableError(error)) return error;
  const e = error as FastifyError;
  if (e.statusCode === 429) return new ConnectableError('CONNECTABLE_ERR_LOCKED_OUT', 'Too many requests from your address. Wait a minute and try again.');
  if (e.statusCode === 413) return new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', 'The request body is too large.');
  if (e.statusCode === 415) return new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', 'Send the body as application/x-www-form-urlencoded or application/json.');
  if (e.statusCode === 400) return new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `The request could not be read: ${e.message}`);
  return new ConnectableError('CONNECTABLE_ERR_CONFIG', 'Something went wrong on our side. It has been logged; try again, and tell the operator if it persists.', {
    cause: error,
  });
}


export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { db, config } = options;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
  });
  const platform: Platform = { db, config, queue: options.queue, csrfKey: await instanceSecret(db, 'csrf'), proofOfWorkKey: await instanceSecret(db, 'proof-of-work') };
  const routes: RouteEntry[] = [];
  app.decorate('connectableRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyRateLimit, { global: false });

  app.addHook('onRequest', async (request, reply) => {
    request.principal = { kind: 'anonymous' };
    reply.headers(securityHeaders);
  });
  app.addHook('preHandler', async (request) => {
    // Most public traffic (widgets, scanners, CDNs) carries no credentials: no look-up needed.
    const credentials = request.headers.authorization !== undefined || request.headers.cookie !== undefined;
    if (credentials) request.principal = await resolvePrincipal(db, request);
    const exempt = request.routeOptions.config?.csrf === false && request.principal.kind === 'anonymous';
    if (STATE_CHANGING.has(request.method) && request.principal.kind !== 'token' && !exempt) verifyCsrf(platform.csrfKey, request, request.principal);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (request.routeOptions.config?.embeddable) {
      reply.header('content-security-policy', embeddableCsp);
      reply.removeHeader('x-frame-options');
    }
    return payload;
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const e = asConnectableError(error);
    if (e.status >= 500) request.log.error({ err: error, url: redactPath(request.url) }, 'request failed');
    // A failure, a refusal or a rate limit is about this moment and this caller: never shared.
    if (e.status >= 500 || [401, 403, 429].includes(e.status)) reply.header('cache-control', 'no-store');
    if (isApi(request) || !(request.headers.accept ?? '').includes('text/html')) {
      return reply.status(e.status).type('application/problem+json').send(e.toProblem());
    }
    if (e.status === 401 && request.method === 'GET') return reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}`, 303);
    const ctx = pageContext(platform, request, reply);
    return sendPage(reply, ctx, e.title, html`<h1>${e.title}</h1><p>${e.message}</p><p><a href="/">Go to the start page</a></p>`, e.status);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const e = new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', `There is nothing at ${request.method} ${redactPath(request.url.split('?')[0] ?? '')}. Check the address.`);
    if (isApi(request) || !(request.headers.accept ?? '').includes('text/html')) {
      return reply.status(404).type('application/problem+json').send(e.toProblem());
    }
    return sendPage(reply, { csrfToken: '' }, 'Page not found', html`<h1>Page not found</h1><p>${e.message}</p><p><a href="/">Go to the start page</a></p>`, 404);
  });

  registerPublicRoutes(app, platform);
  registerConsoleRoutes(app, platform);
  await registerApiRoutes(app, platform);
  await registerCatalogueApi(app, platform);
  await registerComplianceApi(app, platform);
  registerPublicApi(app, platform);
  await app.ready();
  return app;
}

export function routeList(app: FastifyInstance): RouteEntry[] {
  return (app as FastifyInstance & { connectableRoutes: RouteEntry[] }).connectableRoutes;
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { notFound } from '../errors.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { Database } from '../store/index.ts';
import type { Principal } from './principal.ts';

/** What every route can reach: the database, the settings, the queue and the form-signing key. */
export interface Platform {
  db: Database;
  config: Config;
  csrfKey: string;
  /** Signs proof-of-work challenges for report intake. */
  proofOfWorkKey: string;
  queue: JobQueue | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Pages meant to be shown inside other sites' frames (widgets); all others refuse framing. */
    embeddable?: boolean;
    /**
     * false for public JSON endpoints that act on no session: a request without cookies has no
     * ambient authority to forge, so it needs no form token.
     */
    csrf?: boolean;
  }
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const uuid = z.uuid();

/** A path parameter that must be a UUID; anything else is simply not found, never a 500. */
export function uuidParam(request: FastifyRequest, name: string, what: string): string {
  const value = (request.params as Record<string, string | undefined>)[name];
  if (!uuid.safeParse(value).success || value === undefined) throw notFound(what);
  return value;
}

export function pathParam(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string | undefined>)[name] ?? '';
}

/** Form and JSON bodies as a plain record; anything else is treated as empty. */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

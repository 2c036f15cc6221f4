import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { FastifyInstance } from 'fastify';

// Reports must carry a proof of work; tests pay it like any tool would: fetch a challenge, solve
// it, send it back. Test platforms ask for 4 bits, so this takes a few hashes.

export async function solveFetched(body: { required: boolean; challenge?: Challenge }): Promise<string> {
  if (!body.required || !body.challenge) return '';
  const solution = await solveChallenge({ challenge: body.challenge, deriveKey });
  if (!solution) throw new Error('proof of work not solved');
  return JSON.stringify({ challenge: body.challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } });
}

export async function proofOfWorkFor(app: FastifyInstance): Promise<string> {
  return solveFetched((await app.inject({ method: 'GET', url: '/api/v1/public/proof-of-work' })).json());
}

export async function proofOfWorkFrom(baseUrl: string): Promise<string> {
  return solveFetched((await (await fetch(`${baseUrl}/api/v1/public/proof-of-work`)).json()) as { required: boolean; challenge?: Challenge });
}

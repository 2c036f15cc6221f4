import { createChallenge, verifySolution, type Challenge, type Solution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { z } from 'zod';
import type { Queryable } from '../store/index.ts';

// A proof of work (ALTCHA's format) makes each report cost the sender a second of CPU and the
// server one hash and one insert: floods become expensive without asking anyone to identify
// themselves or solve a puzzle. A solution is spent once.

/** 16 leading zero bits of SHA-256: about 65,000 hashes, a second or less in a browser. */
export const DEFAULT_DIFFICULTY_PREFIX = '0000';
const VALID_FOR_SECONDS = 20 * 60;

export interface ProofOfWorkChallenge {
  challenge: Challenge;
  /** What a client must do, in words, for tools that are not browsers. */
  instructions: string;
}

export async function issueChallenge(secret: string, keyPrefix = DEFAULT_DIFFICULTY_PREFIX, now = new Date()): Promise<ProofOfWorkChallenge> {
  const challenge = await createChallenge({
    algorithm: 'SHA-256',
    cost: 1,
    keyPrefix,
    deriveKey,
    expiresAt: new Date(now.getTime() + VALID_FOR_SECONDS * 1000),
    hmacSignatureSecret: secret,
  });
  return {
    challenge,
    instructions:
      'Find the smallest counter (uint32, big-endian) such that SHA-256(salt bytes ‖ nonce bytes ‖ counter) starts with keyPrefix (hex); ' +
      'send {"challenge": <this challenge>, "solution": {"counter": n, "derivedKey": "<hex>"}} as the proofOfWork field (JSON, or base64 of it). altcha-lib’s solveChallenge does this.',
  };
}

const payloadSchema = z.object({
  challenge: z.object({ parameters: z.record(z.string(), z.unknown()), signature: z.string().regex(/^[0-9a-f]{64}$/) }),
  solution: z.object({ counter: z.number().int().nonnegative(), derivedKey: z.string().regex(/^[0-9a-f]{2,128}$/) }),
});

export type ProofOfWorkOutcome = { ok: true } | { ok: false; reason: string };

function decodePayload(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.length > 4096) return undefined;
  try {
    return JSON.parse(trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Checks a solution and spends it in the caller's transaction, so it can never be used twice. */
export async function spendProofOfWork(q: Queryable, secret: string, submitted: unknown): Promise<ProofOfWorkOutcome> {
  if (typeof submitted !== 'string' || submitted.trim() === '') return { ok: false, reason: 'The proof of work is missing. Reload the page (with JavaScript on) or fetch a challenge from /api/v1/public/proof-of-work.' };
  const parsed = payloadSchema.safeParse(decodePayload(submitted));
  if (!parsed.success) return { ok: false, reason: 'The proof of work is not in the expected form ({"challenge": …, "solution": {"counter", "derivedKey"}}).' };
  const { challenge, solution } = parsed.data;
  let result;
  try {
    result = await verifySolution({
      challenge: challenge as unknown as Challenge,
      solution: solution as Solution,
      deriveKey,
      hmacSignatureSecret: secret,
    });
  } catch {
    return { ok: false, reason: 'The proof of work could not be checked; fetch a new challenge and solve it again.' };
  }
  if (result.expired) return { ok: false, reason: 'The proof of work has expired (challenges last 20 minutes); solve a new one.' };
  if (!result.verified) return { ok: false, reason: 'The proof of work is not a valid solution of a challenge from this server.' };
  const expiresAt = typeof challenge.parameters['expiresAt'] === 'number' ? new Date(challenge.parameters['expiresAt'] * 1000) : new Date(Date.now() + VALID_FOR_SECONDS * 1000);
  const spent = await q.query('INSERT INTO proof_of_work_spent (signature, expires_at) VALUES ($1, $2) ON CONFLICT (signature) DO NOTHING RETURNING 1', [challenge.signature, expiresAt]);
  if (spent.length === 0) return { ok: false, reason: 'This proof of work was already used; each report needs a new one.' };
  return { ok: true };
}

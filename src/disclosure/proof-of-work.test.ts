import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { openTestDatabase } from '../../test/support/database.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { issueChallenge, spendProofOfWork } from './proof-of-work.ts';

const secret = 'a-test-secret-of-enough-length-0123456789';
let db: PlatformDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(async () => db.close());

async function solved(prefix = '00', now?: Date): Promise<string> {
  const { challenge } = await issueChallenge(secret, prefix, now);
  const solution = await solveChallenge({ challenge, deriveKey });
  assert.ok(solution);
  return JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } });
}

test('a solved challenge is accepted once, as JSON or base64, and never again', async () => {
  const payload = await solved();
  assert.deepEqual(await spendProofOfWork(db, secret, payload), { ok: true });
  const again = await spendProofOfWork(db, secret, payload);
  assert.equal(again.ok, false);
  assert.match(!again.ok ? again.reason : '', /already used/);
  assert.deepEqual(await spendProofOfWork(db, secret, Buffer.from(await solved()).toString('base64')), { ok: true });
});

test('missing, malformed, forged, wrong and expired proofs are refused with the reason', async () => {
  const reasonOf = async (v: unknown, key = secret) => {
    const r = await spendProofOfWork(db, key, v);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.reason;
  };
  assert.match(await reasonOf(undefined), /missing/);
  assert.match(await reasonOf('{not json'), /expected form/);
  assert.match(await reasonOf(await solved(), 'another-secret-of-enough-length-000000'), /not a valid solution/);
  const p = JSON.parse(await solved()) as { solution: { counter: number } };
  p.solution.counter += 1;
  assert.match(await reasonOf(JSON.stringify(p)), /not a valid solution/);
  assert.match(await reasonOf(await solved('00', new Date(Date.now() - 3_600_000))), /expired/);
  assert.equal((await db.query('SELECT 1 FROM proof_of_work_spent')).length, 2, 'refused proofs are not spent');
});

test('the default difficulty asks for 16 leading zero bits of SHA-256', async () => {
  const { challenge } = await issueChallenge(secret);
  assert.equal(challenge.parameters.keyPrefix, '0000');
  const solution = await solveChallenge({ challenge, deriveKey });
  assert.ok(solution);
  assert.ok(solution.derivedKey.startsWith('0000'));
  assert.deepEqual(await spendProofOfWork(db, secret, JSON.stringify({ challenge, solution })), { ok: true });
});

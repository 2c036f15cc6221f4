import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { verify as argon2Verify } from '@node-rs/argon2';
import fc from 'fast-check';
import { alphabets } from './alphabet.ts';
import { readBatch } from './batch-reader.ts';
import { verifyShaCrypt } from './crypt/sha-crypt.ts';
import { FingerprintSet } from './fingerprint-set.ts';
import { HmacSha256 } from './random-source.ts';
import { describeMethod, effWordList, methodEntropy, methodProblem, passwordMaker, type GenerationMethod } from './generate.ts';
import { DuplicateCredentialError, generateBatch, unitsFromPattern, type HashScheme } from './generate-batch.ts';

async function run(units: string, method: GenerationMethod, options: { format?: 'csv' | 'jsonl'; hash?: HashScheme } = {}) {
  const batch = readBatch(Readable.from([units]), 'csv', () => {});
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString()));
  const first = batch.slices[Symbol.asyncIterator]();
  const head = await first.next();
  const slices = (async function* () {
    if (!head.done) yield head.value;
    for (let r = await first.next(); !r.done; r = await first.next()) yield r.value;
  })();
  const summary = await generateBatch(slices, out, { method, format: options.format ?? 'csv', hash: options.hash, columns: batch.columns() });
  out.end();
  return { summary, text: chunks.join('') };
}

const random: GenerationMethod = { kind: 'random', alphabet: alphabets.unambiguous, length: 12 };

describe('random passwords', () => {
  test('the default gives at least 64 bits, and says so', () => {
    assert.ok(methodEntropy(random) >= 64);
    assert.equal(describeMethod(random), 'random, 12 characters from an alphabet of 56 (69.7 bits each, from the OS CSPRNG)');
  });

  test('the default alphabet has no characters that look alike on a label', () => {
    for (const c of '0O1lI') assert.ok(!alphabets.unambiguous.includes(c), c);
  });

  test('every character of the alphabet is used about equally (no modulo bias)', () => {
    const make = passwordMaker({ kind: 'random', alphabet: alphabets.unambiguous, length: 40 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) for (const c of make({})) counts.set(c, (counts.get(c) ?? 0) + 1);
    const expected = (5000 * 40) / 56;
    assert.equal(counts.size, 56);
    for (const [c, n] of counts) assert.ok(Math.abs(n - expected) < expected * 0.1, `${c}: ${n} vs ${expected.toFixed(0)}`);
  });

  test('a method too weak for the law is refused, with how to fix it', () => {
    assert.match(methodProblem({ kind: 'random', alphabet: alphabets.digits, length: 8 }) ?? '', /only 26\.6 bits; use at least 40/);
    assert.equal(methodProblem(random), undefined);
  });

  test('passphrases come from the EFF list and state their entropy', () => {
    const words = effWordList();
    assert.equal(words.length, 7776);
    const method: GenerationMethod = { kind: 'passphrase', words, count: 6, separator: '-' };
    const phrase = passwordMaker(method)({});
    assert.equal(phrase.split('-').length >= 6, true);
    assert.match(describeMethod(method), /77\.5 bits/);
  });
});

describe('keyed passwords', () => {
  const key = crypto.randomBytes(32);
  const keyed: GenerationMethod = { kind: 'keyed', key, alphabet: alphabets.unambiguous, length: 12, identifierColumn: 'serial' };

  test('the same key and serial always give the same password; another key gives another', () => {
    const a = passwordMaker(keyed)({ serial: 'SN0001' });
    assert.equal(passwordMaker(keyed)({ serial: 'SN0001' }), a);
    assert.notEqual(passwordMaker(keyed)({ serial: 'SN0002' }), a);
    assert.notEqual(passwordMaker({ ...keyed, key: crypto.randomBytes(32) })({ serial: 'SN0001' }), a);
    assert.match(a, /^[A-HJ-NP-Za-km-z2-9]{12}$/);
  });

  test('the HMAC is RFC 2104 HMAC-SHA-256, equal to node:crypto for keys of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.string({ maxLength: 100 }), (k, message) => {
        const key = Buffer.from(k);
        assert.deepEqual(new HmacSha256(key).digest(message), crypto.createHmac('sha256', key).update(message).digest());
      }),
    );
  });

  test('property: a keyed password is a pure function of key and identifier', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 40 }), (k, serial) => {
        const m: GenerationMethod = { ...keyed, key: Buffer.from(k) };
        assert.equal(passwordMaker(m)({ serial }), passwordMaker(m)({ serial }));
      }),
    );
  });

  test('two units with the same serial are refused, naming the line', async () => {
    await assert.rejects(run('serial\nA1\nA2\nA1\n', keyed), (e: unknown) => {
      assert.ok(e instanceof DuplicateCredentialError);
      assert.equal(e.line, 4);
      assert.match(e.message, /Line 4: the serial "A1" gives the same password as an earlier unit/);
      return true;
    });
  });

  test('the key never appears in the output', async () => {
    const { text } = await run('serial\nA1\nA2\n', keyed, { format: 'jsonl' });
    assert.ok(!text.includes(key.toString('hex')) && !text.includes(key.toString('base64')));
  });
});

describe('batches', () => {
  test('one credential per unit, identifiers kept, in CSV and JSON Lines', async () => {
    const csv = await run('serial,mac\nS1,00:11:22:33:44:55\nS2,00:11:22:33:44:57\n', random);
    const [header, ...rows] = csv.text.trim().split('\n');
    assert.equal(header, 'serial,mac,password');
    assert.equal(rows.length, 2);
    assert.match(rows[0] ?? '', /^S1,00:11:22:33:44:55,[A-HJ-NP-Za-km-z2-9]{12}$/);
    const jsonl = await run('serial\nS1\n', random, { format: 'jsonl' });
    assert.deepEqual(Object.keys(JSON.parse(jsonl.text) as object), ['serial', 'password']);
  });

  test('a sha512crypt column verifies against each password, so no plaintext need be stored', async () => {
    const { text } = await run('serial\nS1\nS2\nS3\n', random, { hash: 'sha512crypt' });
    for (const row of text.trim().split('\n').slice(1)) {
      const [, password, hash] = row.split(',');
      assert.match(hash ?? '', /^\$6\$[./0-9A-Za-z]{16}\$/);
      assert.equal(verifyShaCrypt(password ?? '', hash ?? ''), true);
    }
  });

  test('an argon2id column verifies too', async () => {
    const { text } = await run('serial\nS1\n', random, { hash: 'argon2id', format: 'jsonl' });
    const row = JSON.parse(text) as { password: string; password_hash: string };
    assert.match(row.password_hash, /^\$argon2id\$/);
    assert.equal(await argon2Verify(row.password_hash, row.password), true);
  });

  test('serials from a pattern count from the start given', async () => {
    const serials: string[] = [];
    for await (const slice of unitsFromPattern('SN-{0000}-X', 3, 98)) serials.push(...slice.map((u) => u.values['serial'] ?? ''));
    assert.deepEqual(serials, ['SN-0098-X', 'SN-0099-X', 'SN-0100-X']);
  });

  test('uniqueness is checked in a compact set of fingerprints', () => {
    const set = new FingerprintSet(4);
    for (let i = 0; i < 100_000; i++) assert.equal(set.add(`pw${i}`), true);
    assert.equal(set.add('pw5'), false);
    assert.equal(set.add('pw99999'), false);
    assert.equal(set.size, 100_000);
    assert.ok(set.bytes <= 100_000 * 24, 'a few bytes a unit, not a JavaScript string each');
  });
});

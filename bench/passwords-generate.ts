// Generation speed: 1,000,000 random and 1,000,000 keyed credentials through the whole pipeline
// (uniqueness check and CSV writing included), in units per second. Peer: `openssl rand` making
// the same amount of random bytes, the floor for any CSPRNG-backed generator.
// Run: npx node --import tsx bench/passwords-generate.ts [units]
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { alphabets, generateBatch, unitsFromPattern, type GenerationMethod } from '../src/passwords/index.ts';

const units = Number(process.argv[2] ?? 1_000_000);

const sink = (): Writable =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

async function measure(method: GenerationMethod): Promise<number> {
  const started = performance.now();
  await generateBatch(unitsFromPattern('SN{00000000}', units), sink(), { method, format: 'csv', columns: ['serial'] });
  return units / ((performance.now() - started) / 1000);
}

const random = await measure({ kind: 'random', alphabet: alphabets.unambiguous, length: 12 });
const keyed = await measure({ kind: 'keyed', key: crypto.randomBytes(32), alphabet: alphabets.unambiguous, length: 12, identifierColumn: 'serial' });
const peerStart = performance.now();
// 14 random bytes a unit is about what rejection sampling consumes for 12 characters of 56.
execFileSync('bash', ['-c', `openssl rand ${units * 14} > /dev/null`]);
const peer = units / ((performance.now() - peerStart) / 1000);

console.log(`random: ${Math.round(random).toLocaleString('en-GB')} units/s`);
console.log(`keyed (HMAC-SHA-256): ${Math.round(keyed).toLocaleString('en-GB')} units/s`);
console.log(`peer, openssl rand for the same bytes: ${Math.round(peer).toLocaleString('en-GB')} units/s`);
console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (the uniqueness set for ${units.toLocaleString('en-GB')} units included)`);
console.log(`ratio random/peer: ${(random / peer).toFixed(3)}; keyed/peer: ${(keyed / peer).toFixed(3)}`);

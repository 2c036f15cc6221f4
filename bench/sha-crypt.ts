// Throughput of our sha512crypt against the unixcrypt package at the default 5000 rounds.
// Run: npx node --import tsx bench/sha-crypt.ts [N]
import { randomBytes } from 'node:crypto';
import { encrypt } from 'unixcrypt';
import { sha512crypt } from '../src/passwords/crypt/sha-crypt.ts';

const count = Number(process.argv[2] ?? 2000);
const warmup = Math.min(50, count);

// Device-style inputs: a random 16-character password and salt per hash, fixed up front so both
// implementations hash the same work and input generation stays outside the timing.
const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function randomCryptString(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += alphabet[byte & 63];
  return out;
}
const inputs = Array.from({ length: count }, () => ({ password: randomCryptString(16), salt: randomCryptString(16) }));

function rate(run: (password: string, salt: string) => string): number {
  for (let i = 0; i < warmup; i++) {
    const input = inputs[i];
    if (input !== undefined) run(input.password, input.salt);
  }
  const started = process.hrtime.bigint();
  for (const { password, salt } of inputs) run(password, salt);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

const ours = rate((password, salt) => sha512crypt(password, { salt }));
const theirs = rate((password, salt) => encrypt(password, `$6$${salt}`));

console.log(`sha512crypt ours: ${Math.round(ours)} hashes/s`);
console.log(`sha512crypt unixcrypt: ${Math.round(theirs)} hashes/s`);
console.log(`ratio: ${(ours / theirs).toFixed(1)}x`);

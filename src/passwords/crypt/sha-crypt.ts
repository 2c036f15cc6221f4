// SHA-crypt ("$5$" sha256crypt and "$6$" sha512crypt) after Ulrich Drepper's specification
// "Unix crypt using SHA-256 and SHA-512", producing exactly what glibc's crypt() produces.
// https://www.akkadia.org/drepper/SHA-crypt.txt
import { createHash, hash as oneShotHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type ShaCryptAlgorithm = 'sha256' | 'sha512';

export interface ShaCryptOptions {
  readonly salt?: string;
  readonly rounds?: number;
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_MAX_LENGTH = 16;
// Step 13 hashes the password once per password byte (quadratic work), so an unbounded password
// is a denial-of-service lever.
const PASSWORD_MAX_BYTES = 4096;

interface Variant {
  readonly algorithm: ShaCryptAlgorithm;
  readonly prefix: '$5$' | '$6$';
  readonly digestLength: number;
  readonly encodedLength: number;
  // The digest bytes in the order the specification feeds them to the base-64 encoder: whole
  // triples first, then a shorter tail that yields one character more than it has bytes.
  readonly order: readonly number[];
}

const SHA256: Variant = {
  algorithm: 'sha256',
  prefix: '$5$',
  digestLength: 32,
  encodedLength: 43,
  // prettier-ignore
  order: [
    0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14,
    15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29,
    31, 30,
  ],
};

const SHA512: Variant = {
  algorithm: 'sha512',
  prefix: '$6$',
  digestLength: 64,
  encodedLength: 86,
  // prettier-ignore
  order: [
    0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4,
    47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51,
    31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35,
    15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19,
    62, 20, 41,
    63,
  ],
};

function variantOf(algorithm: ShaCryptAlgorithm): Variant {
  return algorithm === 'sha256' ? SHA256 : SHA512;
}

// Which of the eight round inputs round i uses: bit 0 = i odd, bit 1 = i not divisible by 3,
// bit 2 = i not divisible by 7. The pattern repeats every lcm(2, 3, 7) = 42 rounds.
const ROUND_SCHEDULE: readonly number[] = Array.from(
  { length: 42 },
  (_, i) => (i % 2) | (i % 3 !== 0 ? 2 : 0) | (i % 7 !== 0 ? 4 : 0),
);

// `u` mode sees a lone surrogate as its own code point; UTF-8 encoding would silently turn it into
// U+FFFD, so distinct passwords would share a hash.
const LONE_SURROGATE = /\p{Cs}/u;

function passwordProblem(password: string): string | undefined {
  if (LONE_SURROGATE.test(password)) return 'password is not well-formed Unicode (it has a lone surrogate)';
  // crypt() takes a C string, so no system could ever verify a hash made over a NUL byte.
  if (password.includes('\0')) return 'password must not contain a NUL character';
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > PASSWORD_MAX_BYTES) return `password is ${bytes} bytes of UTF-8; at most ${PASSWORD_MAX_BYTES} are accepted`;
  return undefined;
}

function saltProblem(salt: string): string | undefined {
  if (/[$:\n]/.test(salt)) return 'salt must not contain "$", ":" or a newline (they would break the hash string or the /etc/shadow line)';
  // Printable ASCII keeps characters and bytes the same, so truncating to 16 matches glibc's 16 bytes.
  if (!/^[\x20-\x7e]*$/.test(salt)) return 'salt must consist of printable ASCII characters';
  // glibc would read "$6$rounds=N$..." as a rounds field, so such a salt could not be told apart.
  if (salt.startsWith('rounds=')) return 'salt must not begin with "rounds="';
  return undefined;
}

function roundsProblem(rounds: number): string | undefined {
  return Number.isInteger(rounds) ? undefined : `rounds must be an integer, got ${rounds}`;
}

function clampRounds(rounds: number): number {
  return Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, rounds));
}

function randomSalt(): string {
  // 64 symbols divide 256 evenly, so keeping the low six bits of each byte is unbiased.
  let salt = '';
  for (const byte of randomBytes(SALT_MAX_LENGTH)) salt += CRYPT_ALPHABET[byte & 63];
  return salt;
}

// Repeats `source` (a digest) to fill `length` bytes, as steps 16 and 20 do.
function stretch(source: Buffer, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let offset = 0; offset < length; offset += source.length) {
    source.copy(out, offset, 0, Math.min(source.length, length - offset));
  }
  return out;
}

function digestOf(variant: Variant, key: Buffer, salt: Buffer, rounds: number): Buffer {
  const { algorithm, digestLength } = variant;
  const keyLength = key.length;

  // Steps 4-8: digest B.
  const b = createHash(algorithm).update(key).update(salt).update(key).digest();

  // Steps 1-3 and 9-12: digest A.
  const ctxA = createHash(algorithm).update(key).update(salt);
  let remaining = keyLength;
  // `>` rather than `>=`: a key that is an exact multiple of the digest length ends with a full
  // copy of B added by the tail step below, as glibc does.
  for (; remaining > digestLength; remaining -= digestLength) ctxA.update(b);
  ctxA.update(b.subarray(0, remaining));
  for (let bits = keyLength; bits > 0; bits >>>= 1) ctxA.update((bits & 1) !== 0 ? b : key);
  const a = ctxA.digest();

  // Steps 13-16: the byte sequence P.
  const ctxDP = createHash(algorithm);
  for (let i = 0; i < keyLength; i++) ctxDP.update(key);
  const p = stretch(ctxDP.digest(), keyLength);

  // Steps 17-20: the byte sequence S. The first byte of A is read as unsigned, hence 16..271.
  const ctxDS = createHash(algorithm);
  const saltRepeats = 16 + (a[0] ?? 0);
  for (let i = 0; i < saltRepeats; i++) ctxDS.update(salt);
  const s = stretch(ctxDS.digest(), salt.length);

  // Step 21. Each round hashes one of eight fixed concatenations of P and S with the previous
  // digest C at its start (even rounds) or end (odd rounds). Building all eight once leaves one
  // digest-sized copy and one one-shot hash call per round. C travels as a latin1 string because
  // node:crypto returns a short string two to three times faster than it allocates a Buffer.
  const inputs: Buffer[] = [];
  for (let pattern = 0; pattern < 8; pattern++) {
    const odd = (pattern & 1) !== 0;
    const parts: Buffer[] = [];
    const slot = Buffer.alloc(digestLength);
    parts.push(odd ? p : slot);
    if ((pattern & 2) !== 0) parts.push(s);
    if ((pattern & 4) !== 0) parts.push(p);
    parts.push(odd ? slot : p);
    inputs.push(Buffer.concat(parts));
  }
  const offsets = inputs.map((input, pattern) => ((pattern & 1) !== 0 ? input.length - digestLength : 0));

  let c = a.toString('latin1');
  let phase = 0;
  for (let round = 0; round < rounds; round++) {
    const pattern = ROUND_SCHEDULE[phase] ?? 0;
    const input = inputs[pattern] ?? p;
    input.write(c, offsets[pattern] ?? 0, 'latin1');
    // 'binary' is Node's name for latin1; @types/node only admits it under that name here.
    c = oneShotHash(algorithm, input, 'binary');
    if (++phase === 42) phase = 0;
  }
  return Buffer.from(c, 'latin1');
}

// Step 22: crypt's base 64, least significant six bits first, over the permuted digest bytes.
function encode(variant: Variant, digest: Buffer): string {
  const { order } = variant;
  const out = Buffer.allocUnsafe(variant.encodedLength);
  let o = 0;
  for (let i = 0; i < order.length; i += 3) {
    const take = Math.min(3, order.length - i);
    let word = 0;
    for (let k = 0; k < take; k++) word = (word << 8) | (digest[order[i + k] ?? 0] ?? 0);
    for (let k = 0; k <= take; k++) {
      out[o++] = CRYPT_ALPHABET.charCodeAt(word & 63);
      word >>>= 6;
    }
  }
  return out.toString('latin1');
}

function build(variant: Variant, password: string, salt: string, rounds: number | undefined): string {
  const effectiveRounds = rounds === undefined ? ROUNDS_DEFAULT : clampRounds(rounds);
  const digest = digestOf(variant, Buffer.from(password, 'utf8'), Buffer.from(salt, 'latin1'), effectiveRounds);
  // glibc writes "rounds=" whenever the setting named a count, even the default one.
  const roundsField = rounds === undefined ? '' : `rounds=${effectiveRounds}$`;
  return `${variant.prefix}${roundsField}${salt}$${encode(variant, digest)}`;
}

/**
 * Hashes `password` the way glibc's crypt() does for a "$5$" (sha256) or "$6$" (sha512) setting and
 * returns the whole "$6$[rounds=N$]salt$hash" string. Without a salt, 16 random characters from
 * "./0-9A-Za-z" are used. Rounds are clamped to [1000, 999999999]; salts are cut to 16 characters.
 * Throws a RangeError for a salt containing "$", ":", a newline or non-printable-ASCII, for a
 * password over 4096 UTF-8 bytes, or for a password with a NUL or a lone surrogate.
 */
export function shaCrypt(algorithm: ShaCryptAlgorithm, password: string, options: ShaCryptOptions = {}): string {
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new RangeError(`shaCrypt: algorithm must be "sha256" or "sha512", got ${String(algorithm)}`);
  }
  const passwordError = passwordProblem(password);
  if (passwordError !== undefined) throw new RangeError(`shaCrypt: ${passwordError}`);
  const salt = options.salt ?? randomSalt();
  const saltError = saltProblem(salt);
  if (saltError !== undefined) throw new RangeError(`shaCrypt: ${saltError}`);
  if (options.rounds !== undefined) {
    const roundsError = roundsProblem(options.rounds);
    if (roundsError !== undefined) throw new RangeError(`shaCrypt: ${roundsError}`);
  }
  return build(variantOf(algorithm), password, salt.slice(0, SALT_MAX_LENGTH), options.rounds);
}

export function sha512crypt(password: string, options?: ShaCryptOptions): string {
  return shaCrypt('sha512', password, options);
}

export function sha256crypt(password: string, options?: ShaCryptOptions): string {
  return shaCrypt('sha256', password, options);
}

const HASH_FORMAT = /^\$([56])\$(?:rounds=([0-9]{1,10})\$)?([^$]*)\$([./0-9A-Za-z]*)$/;

/**
 * True when `hash` is a "$5$" or "$6$" string that crypt() would reproduce exactly from `password`.
 * Anything malformed, including forms glibc would rewrite (a salt over 16 characters, a rounds
 * count outside the limits or with leading zeros), gives false; this never throws.
 */
export function verifyShaCrypt(password: string, hash: string): boolean {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  const match = HASH_FORMAT.exec(hash);
  if (match === null) return false;
  const [, id, roundsText, salt = '', encoded = ''] = match;
  const variant = id === '5' ? SHA256 : SHA512;
  if (encoded.length !== variant.encodedLength) return false;
  if (salt.length > SALT_MAX_LENGTH || saltProblem(salt) !== undefined) return false;
  let rounds: number | undefined;
  if (roundsText !== undefined) {
    rounds = Number(roundsText);
    if (String(clampRounds(rounds)) !== roundsText) return false;
  }
  if (passwordProblem(password) !== undefined) return false;
  const expected = Buffer.from(build(variant, password, salt, rounds), 'latin1');
  const actual = Buffer.from(hash, 'latin1');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

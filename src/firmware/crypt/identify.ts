// Which password-hash scheme a stored string uses, and one entry point to check a candidate
// against it. A firmware image can hold any of them: DES and md5crypt on old BusyBox/uClibc trees,
// sha512crypt on most current ones, yescrypt on images built from Debian 11+ or Ubuntu 22.04+,
// bcrypt and apr1 in web servers' password files.
import { createHash, timingSafeEqual } from 'node:crypto';
// Straight from the file rather than the passwords index: crack workers import this module, and
// the index would load the whole passwords domain (its strength estimator alone takes a second).
import { verifyShaCrypt } from '../../passwords/crypt/sha-crypt.ts';
import { bcryptCost, verifyBcrypt } from './bcrypt.ts';
import { desCryptChecker, isDesCrypt } from './descrypt.ts';
import { md5CryptChecker, parseMd5Crypt } from './md5crypt.ts';
import { cryptWorkBytes, scryptChecker, scryptProblem, yescryptChecker, yescryptProblem } from './yescrypt.ts';

export const hashSchemes = ['md5crypt', 'apr1', 'sha256crypt', 'sha512crypt', 'descrypt', 'bcrypt', 'yescrypt', 'scrypt', 'apache-sha1', 'unknown'] as const;
export type HashScheme = (typeof hashSchemes)[number];

export interface HashIdentity {
  scheme: HashScheme;
  /** What the string is, in words a report can show ("sha512crypt, 5000 rounds", "yescrypt"). */
  label: string;
  /** Whether verifyPassword can test candidates against it here. */
  checkable: boolean;
  /** Why it cannot be checked, when it cannot. */
  reason?: string;
  /** Work factor: rounds for sha-crypt, log2 cost for bcrypt. */
  cost?: number;
}

/** Thrown by verifyPassword for a hash this code cannot test, so no caller mistakes "cannot tell" for "no match". */
export class HashNotCheckable extends Error {
  readonly scheme: HashScheme;
  constructor(identity: HashIdentity) {
    super(`${identity.label}: ${identity.reason ?? 'cannot be checked here'}`);
    this.name = 'HashNotCheckable';
    this.scheme = identity.scheme;
  }
}

const SHA_CRYPT = /^\$([56])\$(?:rounds=([0-9]{1,10})\$)?([^$]{0,16})\$([./0-9A-Za-z]+)$/;
const APACHE_SHA1 = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;

// Schemes we recognise but do not implement, with what they are; all cannot be checked here.
const RECOGNISED_ONLY: readonly [RegExp, string][] = [
  [/^\$gy\$/, 'gost-yescrypt'],
  [/^\$2x\$/, 'bcrypt $2x$ (crypt_blowfish 8-bit-bug compatibility)'],
  [/^\$md5[$,]/, 'SunMD5'],
  [/^\$sha1\$/, 'NetBSD sha1crypt'],
  [/^\$3\$/, 'NT hash ($3$)'],
  [/^_[./0-9A-Za-z]{19}$/, 'BSDi extended DES'],
  [/^\$argon2(id|i|d)\$/, 'Argon2'],
  [/^\$pbkdf2/, 'PBKDF2'],
];

/**
 * Identifies the scheme of a stored password hash (a /etc/shadow field, an .htpasswd value...).
 * Placeholders such as "x", "*" or "!" are 'unknown' here; deciding what they mean for a login is
 * the account inspector's job.
 */
export function identifyHash(hash: string): HashIdentity {
  if (hash.startsWith('$1$') || hash.startsWith('$apr1$')) {
    const scheme = hash.startsWith('$1$') ? 'md5crypt' : 'apr1';
    if (parseMd5Crypt(hash) !== null) return { scheme, label: scheme, checkable: true, cost: 1000 };
    return { scheme: 'unknown', label: `malformed ${scheme}`, checkable: false, reason: 'the string is not one crypt() could have written' };
  }
  const sha = SHA_CRYPT.exec(hash);
  if (sha !== null) {
    const scheme = sha[1] === '5' ? 'sha256crypt' : 'sha512crypt';
    const rounds = sha[2] === undefined ? 5000 : Number(sha[2]);
    const encodedLength = scheme === 'sha256crypt' ? 43 : 86;
    if ((sha[4] ?? '').length !== encodedLength) {
      return { scheme: 'unknown', label: `malformed ${scheme}`, checkable: false, reason: 'the string is not one crypt() could have written' };
    }
    return { scheme, label: `${scheme}, ${rounds} rounds`, checkable: true, cost: rounds };
  }
  if (/^\$2[aby]\$/.test(hash)) {
    const cost = bcryptCost(hash);
    if (cost !== null) return { scheme: 'bcrypt', label: `bcrypt, cost ${cost}`, checkable: true, cost };
    return { scheme: 'unknown', label: 'malformed bcrypt', checkable: false, reason: 'the string is not a 60-character bcrypt hash' };
  }
  if (hash.startsWith('$y$') || hash.startsWith('$7$')) {
    const scheme = hash.startsWith('$y$') ? 'yescrypt' : 'scrypt';
    const problem = scheme === 'yescrypt' ? yescryptProblem(hash) : scryptProblem(hash);
    const work = cryptWorkBytes(hash);
    if (problem === undefined && work !== undefined) {
      return { scheme, label: `${scheme}, ${Math.round(work / 2 ** 20)} MiB mixed per candidate`, checkable: true, cost: work };
    }
    return {
      scheme: problem !== undefined && /malformed|not a|longer than|characters encoding/.test(problem) ? 'unknown' : scheme,
      label: `${scheme} (${problem ?? 'unsupported parameters'})`,
      checkable: false,
      reason: `this ${scheme} hash cannot be checked here: ${problem ?? 'unsupported parameters'}. The account still has a password fixed in the image; test candidates on a build host with libxcrypt (mkpasswd -m ${scheme} -S SETTING CANDIDATE)`,
    };
  }
  if (APACHE_SHA1.test(hash)) return { scheme: 'apache-sha1', label: 'Apache {SHA} (unsalted SHA-1)', checkable: true, cost: 1 };
  for (const [pattern, label] of RECOGNISED_ONLY) {
    if (pattern.test(hash)) return { scheme: 'unknown', label, checkable: false, reason: `${label} cannot be checked here: Connectable has no implementation of it. The account still has a password fixed in the image; test candidates on a host whose crypt() supports ${label}` };
  }
  if (isDesCrypt(hash)) return { scheme: 'descrypt', label: 'traditional DES crypt (8-character limit)', checkable: true, cost: 25 };
  return { scheme: 'unknown', label: 'unrecognised', checkable: false, reason: 'the string matches no password-hash scheme known here' };
}

function apacheSha1Checker(hash: string): (candidate: string) => boolean {
  const target = Buffer.from(hash.slice('{SHA}'.length), 'base64');
  return (candidate) => {
    const got = createHash('sha1').update(candidate, 'utf8').digest();
    return got.length === target.length && timingSafeEqual(got, target);
  };
}

/**
 * A function that tells whether a candidate password matches `hash`, with the per-hash work (salt
 * parsing, target decoding, engine set-up) done once. Throws HashNotCheckable for a hash that
 * cannot be tested here (ROM-based or over-large yescrypt, unknown or malformed strings).
 */
export function checkerFor(hash: string): (candidate: string) => boolean {
  const identity = identifyHash(hash);
  if (!identity.checkable) throw new HashNotCheckable(identity);
  switch (identity.scheme) {
    case 'md5crypt':
    case 'apr1':
      return md5CryptChecker(hash) ?? (() => false);
    case 'descrypt':
      return desCryptChecker(hash) ?? (() => false);
    case 'sha256crypt':
    case 'sha512crypt':
      return (candidate) => verifyShaCrypt(candidate, hash);
    case 'bcrypt':
      return (candidate) => verifyBcrypt(candidate, hash);
    case 'apache-sha1':
      return apacheSha1Checker(hash);
    case 'yescrypt':
      return yescryptChecker(hash) ?? (() => false);
    case 'scrypt':
      return scryptChecker(hash) ?? (() => false);
    default:
      throw new HashNotCheckable(identity);
  }
}

/**
 * True when `candidate` is the password behind `hash`, for every scheme identifyHash marks
 * checkable. Throws HashNotCheckable otherwise: "cannot be checked here" is never reported as "no
 * match".
 */
export function verifyPassword(hash: string, candidate: string): boolean {
  return checkerFor(hash)(candidate);
}

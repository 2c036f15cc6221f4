import { commonPasswords, defaultPasswords } from './lists.ts';
import { estimateStrength } from './strength.ts';

// What a maker's companion app (and our own sign-up) checks when a person chooses a device or
// account password: psti.s1.1.2b allows user-defined passwords, but a user-defined "admin" or the
// serial on the sticker is a universal default by another name.

export const USER_PASSWORD_MIN_LENGTH = 12;
export const USER_PASSWORD_MAX_LENGTH = 256;
/**
 * zxcvbn's estimate (about 10^9 guesses) below which a password is a pattern or words an attacker's
 * list will reach; zxcvbn prices even 12 random characters at only 40 bits, so the bar sits lower.
 */
export const USER_PASSWORD_MIN_BITS = 30;

export interface UserPasswordContext {
  /** The device's serial, MAC, model, SSID, or the person's e-mail and name. */
  identifiers?: readonly string[];
  minLength?: number;
}

export interface UserPasswordVerdict {
  ok: boolean;
  /** Reasons a person understands, most important first; empty when ok. */
  reasons: string[];
  estimatedBits: number;
  suggestions: string[];
}

const separators = /[\s:.\-_@]/g;

export function checkUserPassword(password: string, context: UserPasswordContext = {}): UserPasswordVerdict {
  const minLength = context.minLength ?? USER_PASSWORD_MIN_LENGTH;
  const reasons: string[] = [];
  if (password.length > USER_PASSWORD_MAX_LENGTH) {
    return { ok: false, reasons: [`Use at most ${USER_PASSWORD_MAX_LENGTH} characters.`], estimatedBits: 0, suggestions: [] };
  }
  if ([...password].length < minLength) reasons.push(`Use at least ${minLength} characters; a few unrelated words make a good password.`);
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (defaultPasswords().has(lower)) reasons.push('This is a known default password of connected devices; attackers try it first.');
  else if (commonPasswords().has(lower) || (core.length >= 4 && commonPasswords().has(core))) {
    reasons.push('This password, or the word at its heart, is on a list of commonly used passwords.');
  }
  const flat = lower.replace(separators, '');
  const identifiers = (context.identifiers ?? []).map((s) => s.toLowerCase().replace(separators, '')).filter((s) => s.length >= 4);
  for (const id of identifiers) {
    const local = id.includes('@') ? (id.split('@')[0] ?? id) : id;
    const tail = local.length >= 6 ? local.slice(-6) : local;
    if (flat.includes(local) || flat.includes(tail) || (flat.length >= 4 && local.includes(flat))) {
      reasons.push('Do not build the password from public details: the device\'s serial number, MAC address or model, or your name or e-mail address.');
      break;
    }
  }
  const estimate = estimateStrength(password, context.identifiers ?? []);
  if (reasons.length === 0 && estimate.bits < USER_PASSWORD_MIN_BITS) {
    reasons.push(`This password is easy to guess${estimate.warning ? ` (${estimate.warning.replace(/\.$/, '').toLowerCase()})` : ''}. Add words or characters that are not a pattern.`);
  }
  return { ok: reasons.length === 0, reasons, estimatedBits: estimate.bits, suggestions: estimate.suggestions };
}

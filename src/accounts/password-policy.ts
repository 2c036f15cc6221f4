import fs from 'node:fs';

// NIST SP 800-63B: a minimum length, a check against passwords known to be common, and no
// composition rules. A common word with digits or symbols stuck on ("Password1234!") is as weak as
// the word, so the check also strips those before looking the rest up.

export const MIN_PASSWORD_LENGTH = 12;
// argon2 hashes any length, but a megabyte "password" is a cheap way to burn our CPU.
export const MAX_PASSWORD_LENGTH = 256;

let commonPasswords: Set<string> | undefined;

function loadCommonPasswords(): Set<string> {
  commonPasswords ??= new Set(
    fs
      .readFileSync(new URL('../../data/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l.length > 0),
  );
  return commonPasswords;
}

function isRepetitiveOrSequential(p: string): boolean {
  if (new Set(p).size <= 3) return true;
  let ascending = 0;
  let descending = 0;
  for (let i = 1; i < p.length; i++) {
    const d = p.charCodeAt(i) - p.charCodeAt(i - 1);
    if (d === 1) ascending++;
    if (d === -1) descending++;
  }
  return ascending >= p.length - 2 || descending >= p.length - 2;
}

/** Returns why the password is not acceptable, or undefined when it is. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words make a good password.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const common = loadCommonPasswords();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (common.has(lower) || (core.length >= 4 && common.has(core))) {
    return 'This password, or the word at its heart, is on a list of commonly used passwords. Choose something less predictable.';
  }
  if (isRepetitiveOrSequential(lower)) return 'This password is a repetition or a sequence of characters. Choose something less predictable.';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'Do not build your password from your e-mail address.';
  const name = context.name?.toLowerCase().replace(/\s+/g, '');
  if (name && name.length >= 4 && lower.replace(/\s+/g, '').includes(name)) return 'Do not build your password from your name.';
  return undefined;
}

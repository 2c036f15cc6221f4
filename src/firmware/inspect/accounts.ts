// Accounts in /etc/shadow and /etc/passwd (and their "-" backups, Ralink's /etc_ro copies,
// BusyBox trees that keep the hash in passwd's second field). An account that can log in with a
// password baked into the image has the same password on every unit made from it: that is the
// universal default password PSTI Schedule 1 paragraph 1 forbids, whether or not we can crack it.
import type { Entry } from '../unpack/types.ts';
import { identifyHash } from '../crypt/identify.ts';
import {
  basename,
  dirname,
  files,
  GUESSABLE_PASSWORD_LAW,
  mask,
  numberedLines,
  shiftSeverity,
  textOf,
  UNIVERSAL_PASSWORD_LAW,
  type Finding,
  type InspectContext,
  type Severity,
} from './finding.ts';

const SHADOW_NAMES = new Set(['shadow', 'shadow-', 'shadow.bak', 'shadow.orig', 'master.passwd']);
const PASSWD_NAMES = new Set(['passwd', 'passwd-', 'passwd.bak', 'passwd.orig']);

export interface AccountLine {
  path: string;
  line: number;
  name: string;
  /** The password field as stored. */
  field: string;
  kind: 'shadow' | 'passwd';
  uid?: number;
  shell?: string;
}

export type Login =
  | { kind: 'locked'; why: string }
  | { kind: 'empty' }
  | { kind: 'hash'; hash: string }
  | { kind: 'elsewhere' };

/**
 * What a password field means for logging in. Placeholders ('x' in passwd: see shadow) and
 * locked forms ('*', '!', '!!', '*LK*', any '!' or '*' prefix, 'NP') are no login by password.
 */
export function loginOf(field: string, kind: 'shadow' | 'passwd'): Login {
  if (field === '') return { kind: 'empty' };
  if (kind === 'passwd' && field === 'x') return { kind: 'elsewhere' };
  if (field.startsWith('!') || field.startsWith('*')) return { kind: 'locked', why: field.startsWith('!') ? 'locked with "!"' : 'disabled with "*"' };
  if (field === 'x' || field === 'NP' || field === 'LK') return { kind: 'locked', why: `placeholder "${field}"` };
  return { kind: 'hash', hash: field };
}

/** The accounts of every shadow- or passwd-like file in the image. */
export function parseAccounts(entries: readonly Entry[]): AccountLine[] {
  const accounts: AccountLine[] = [];
  for (const entry of files(entries)) {
    const name = basename(entry.path);
    const kind = SHADOW_NAMES.has(name) ? 'shadow' : PASSWD_NAMES.has(name) ? 'passwd' : null;
    if (kind === null || entry.data.length > 4 * 1024 * 1024) continue;
    for (const { line, text } of numberedLines(textOf(entry.data))) {
      if (text.trim() === '' || text.startsWith('#') || text.startsWith('+') || text.startsWith('-')) continue;
      const fields = text.split(':');
      // shadow has 9 fields, passwd 7; BSD master.passwd 10. Fewer than 7 in a passwd means it is
      // not one (a "passwd" file can be anything, e.g. a CGI).
      if (fields.length < (kind === 'passwd' ? 7 : 2) || !/^[A-Za-z0-9_.][-A-Za-z0-9_.$@]*$/.test(fields[0] ?? '')) continue;
      const account: AccountLine = { path: entry.path, line, name: fields[0] ?? '', field: fields[1] ?? '', kind };
      if (kind === 'passwd') {
        account.uid = Number(fields[2]);
        account.shell = fields[6]?.trim() ?? '';
      }
      accounts.push(account);
    }
  }
  return accounts;
}

function canRunShell(shell: string | undefined): boolean {
  // BusyBox's passwd often leaves the shell out; login then runs /bin/sh.
  return shell === undefined || shell === '' || !/(nologin|false|true|sync|shutdown|halt)$/.test(shell);
}

const LOGIN_SHELL_NOTE = (shell: string | undefined): string => (shell === undefined ? '' : canRunShell(shell) ? `, shell ${shell || '/bin/sh (default)'}` : `, shell ${shell} (no interactive login)`);

/** Reports every account of the image that can log in with a password the image fixes. */
export async function inspect(entries: Entry[], ctx: InspectContext): Promise<Finding[]> {
  const accounts = parseAccounts(entries);
  // Shell and uid come from the passwd next to the shadow (same folder), else any passwd.
  const passwdInfo = new Map<string, AccountLine>();
  for (const a of accounts) {
    if (a.kind !== 'passwd') continue;
    passwdInfo.set(`${dirname(a.path)}\n${a.name}`, a);
    if (!passwdInfo.has(`*\n${a.name}`)) passwdInfo.set(`*\n${a.name}`, a);
  }
  const infoFor = (a: AccountLine): AccountLine | undefined => (a.kind === 'passwd' ? a : (passwdInfo.get(`${dirname(a.path)}\n${a.name}`) ?? passwdInfo.get(`*\n${a.name}`)));

  // An account whose password a backup repeats is one finding, at the primary file.
  const logins: { account: AccountLine; login: Exclude<Login, { kind: 'locked' } | { kind: 'elsewhere' }> }[] = [];
  const seen = new Set<string>();
  const primaryFirst = [...accounts].sort((x, y) => Number(/[-.]\w*$|-$/.test(basename(x.path))) - Number(/[-.]\w*$|-$/.test(basename(y.path))));
  for (const account of primaryFirst) {
    const login = loginOf(account.field, account.kind);
    if (login.kind === 'locked' || login.kind === 'elsewhere') continue;
    const key = `${dirname(account.path)}\n${account.name}\n${account.field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    logins.push({ account, login });
  }

  const hashed = logins.filter((l) => l.login.kind === 'hash').map((l) => ({ account: l.account.name, hash: l.account.field }));
  const cracked = await ctx.crack(hashed);
  const crackOf = new Map(cracked.map((c) => [`${c.account}\n${c.hash}`, c]));

  const findings: Finding[] = [];
  for (const { account, login } of logins) {
    const info = infoFor(account);
    const shell = info?.shell;
    const privileged = info?.uid === 0 || account.name === 'root';
    const interactive = canRunShell(shell);
    const adjust = (base: Severity): Severity => (!interactive ? shiftSeverity(base, -1) : privileged ? shiftSeverity(base, 1) : base);
    const who = `${account.name}${privileged ? ' (uid 0)' : ''}${LOGIN_SHELL_NOTE(shell)}`;
    if (login.kind === 'empty') {
      findings.push({
        rule: 'account-empty-password',
        severity: adjust('critical'),
        path: account.path,
        line: account.line,
        title: `Account ${account.name} logs in with an empty password on every unit`,
        evidence: `${who}: empty password field`,
        secret: '',
        lawIds: GUESSABLE_PASSWORD_LAW,
        universal: true,
      });
      continue;
    }
    const result = crackOf.get(`${account.name}\n${login.hash}`);
    const identity = identifyHash(login.hash);
    if (result?.password != null) {
      findings.push({
        rule: 'account-known-password',
        severity: adjust('critical'),
        path: account.path,
        line: account.line,
        title: `Account ${account.name} has the guessable password "${mask(result.password, ctx.showSecrets)}" on every unit`,
        evidence: `${who}: ${identity.label} hash matches "${mask(result.password, ctx.showSecrets)}" (found after ${result.tried} guesses from the account name and the bundled default and common passwords)`,
        secret: result.password,
        lawIds: GUESSABLE_PASSWORD_LAW,
        universal: true,
      });
      continue;
    }
    const why = result?.reason ?? identity.reason ?? 'not tried';
    findings.push({
      rule: 'account-password',
      severity: adjust('high'),
      path: account.path,
      line: account.line,
      title: `Account ${account.name} has a password fixed in the image, the same on every unit`,
      evidence: `${who}: ${identity.label} hash ${login.hash.slice(0, Math.min(12, login.hash.length))}…; plaintext unknown (${why})`,
      lawIds: UNIVERSAL_PASSWORD_LAW,
      universal: true,
    });
  }
  return findings;
}

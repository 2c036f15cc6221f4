// Network services the image starts or configures, and the credentials their configuration fixes:
// telnetd (and the "-l /bin/sh" that skips login), SSH daemons, web servers' password files, UCI,
// Wi-Fi access-point passphrases, MQTT, RTSP/ONVIF, FTP and SNMP. A credential written into a
// config file ships identically on every unit, so each is a universal password unless the device
// replaces it per unit at first boot (which a static image cannot show; the finding says so).
import type { Entry } from '../unpack/types.ts';
import { identifyHash } from '../crypt/identify.ts';
import { commonPasswords, defaultPasswords } from '../../passwords/index.ts';
import { loginOf, parseAccounts } from './accounts.ts';
import {
  basename,
  CLEARTEXT_SERVICE_LAW,
  files,
  GUESSABLE_PASSWORD_LAW,
  isComment,
  isPlaceholder,
  looksLikeText,
  mask,
  numberedLines,
  textOf,
  UNAUTHENTICATED_SERVICE_LAW,
  UNIVERSAL_PASSWORD_LAW,
  uniqueFindings,
  type Finding,
  type InspectContext,
} from './finding.ts';

type TextFile = { path: string; text: string; lines: { line: number; text: string }[] };

function textFiles(entries: readonly Entry[]): TextFile[] {
  const out: TextFile[] = [];
  for (const entry of files(entries)) {
    if (entry.data.length > 2 * 1024 * 1024 || !looksLikeText(entry.data)) continue;
    const text = textOf(entry.data);
    out.push({ path: entry.path, text, lines: numberedLines(text) });
  }
  return out;
}

function guessable(password: string): boolean {
  const lower = password.toLowerCase();
  return defaultPasswords().has(lower) || commonPasswords().has(lower);
}

const IS_STARTUP = (path: string): boolean =>
  /(^|\/)etc\/(init\.d\/|rc\.d\/|rc[0-9S]\.d\/|rc\.local$|rcS$|inittab$|inetd\.conf$|xinetd\.d\/|xinetd\.conf$|profile$|init\/|systemd\/)/.test(path) ||
  /\.(sh|rc)$/.test(path) ||
  /(^|\/)(usr\/)?s?bin\/[^/]*(start|init|boot)[^/]*$/.test(path);

interface Planted {
  path: string;
  line: number;
  service: string;
  user: string;
  password: string;
  /** Where it was configured, for the title. */
  where: string;
}

// A plaintext credential written into a service's configuration.
function plaintextFinding(p: Planted, ctx: InspectContext): Finding {
  const known = guessable(p.password);
  return {
    rule: 'service-default-credential',
    severity: 'critical',
    path: p.path,
    line: p.line,
    title: `${p.service} accepts ${p.user ? `${p.user} / ` : ''}"${mask(p.password, ctx.showSecrets)}" on every unit${known ? ' (a known default or common password)' : ''}`,
    evidence: `${p.where}: ${p.user ? `${p.user}:` : ''}${mask(p.password, ctx.showSecrets)}`,
    secret: p.password,
    lawIds: known ? GUESSABLE_PASSWORD_LAW : UNIVERSAL_PASSWORD_LAW,
    universal: true,
  };
}

// A user:hash line of a web server's or broker's password file: cracked if we can.
async function hashedFindings(rows: PasswordRow[], ctx: InspectContext): Promise<Finding[]> {
  const crackable = rows.filter((r) => !r.plain && identifyHash(r.hash).scheme !== 'unknown');
  const results = await ctx.crack(crackable.map((r) => ({ account: r.user, hash: r.hash })));
  const byKey = new Map(results.map((r) => [`${r.account}\n${r.hash}`, r]));
  return rows.map((r) => {
    const identity = identifyHash(r.hash);
    const result = byKey.get(`${r.user}\n${r.hash}`);
    // lighttpd's plain backend stores passwords as they are; elsewhere a value that is no known
    // hash is one too (BusyBox httpd), except htdigest's realm:md5 with its ':'.
    if (r.plain || (identity.scheme === 'unknown' && /^[^$:{]{1,64}$/.test(r.hash))) {
      // Not a hash at all: BusyBox httpd and lighttpd's plain backend store the password itself.
      return plaintextFinding({ path: r.path, line: r.line, service: r.service, user: r.user, password: r.hash, where: `${basename(r.path)} line ${r.line}` }, ctx);
    }
    if (result?.password != null) {
      return {
        rule: 'service-default-credential',
        severity: 'critical',
        path: r.path,
        line: r.line,
        title: `${r.service} accepts ${r.user} / "${mask(result.password, ctx.showSecrets)}" on every unit (a guessable password)`,
        evidence: `${r.user}: ${identity.label} hash matches "${mask(result.password, ctx.showSecrets)}"`,
        secret: result.password,
        lawIds: GUESSABLE_PASSWORD_LAW,
        universal: true,
      } satisfies Finding;
    }
    return {
      rule: 'service-default-credential',
      severity: 'high',
      path: r.path,
      line: r.line,
      title: `${r.service} has a password for ${r.user} fixed in the image, the same on every unit`,
      evidence: `${r.user}: ${identity.label} hash ${r.hash.slice(0, 12)}…; plaintext unknown (${result?.reason ?? identity.reason ?? 'not tried'})`,
      lawIds: UNIVERSAL_PASSWORD_LAW,
      universal: true,
    } satisfies Finding;
  });
}

function telnet(all: TextFile[], ctx: InspectContext): Finding[] {
  const out: Finding[] = [];
  for (const f of all) {
    if (!IS_STARTUP(f.path)) continue;
    for (const { line, text } of f.lines) {
      if (isComment(text) || !/\b(u?telnetd)\b|\btelnet\s+stream\b|service\s+telnet/.test(text)) continue;
      const shell = /\s-l\s*["']?(\/bin\/(?:sh|ash|bash|busybox\s+sh)|\/bin\/sh\b)/.exec(text);
      const userPass = /\s-u\s*["']?([^\s:"']+):([^\s"']+)/.exec(text);
      if (shell) {
        out.push({
          rule: 'service-no-authentication',
          severity: 'critical',
          path: f.path,
          line,
          title: 'telnetd hands out a shell without asking for any password, on every unit',
          evidence: text.trim().slice(0, 200),
          lawIds: UNIVERSAL_PASSWORD_LAW,
          universal: true,
        });
      } else if (userPass) {
        const [, user = '', raw = ''] = userPass;
        // D-Link's "telnetd -u Alphanetworks:$image_sign": the password is a variable whose value
        // ships in the image too.
        const variable = /^\$\{?(\w+)\}?$/.exec(raw)?.[1];
        const password = variable ? resolveVariable(variable, f, all) : raw;
        if (password === null) {
          out.push({
            rule: 'service-default-credential',
            severity: 'high',
            path: f.path,
            line,
            title: `telnetd has a built-in login for ${user}, its password taken from $${variable}`,
            evidence: text.trim().slice(0, 200),
            lawIds: UNIVERSAL_PASSWORD_LAW,
            universal: true,
          });
        } else {
          out.push(plaintextFinding({ path: f.path, line, service: 'telnetd', user, password, where: `telnetd -u in ${basename(f.path)}` }, ctx));
        }
      } else {
        out.push({
          rule: 'insecure-service',
          severity: 'medium',
          path: f.path,
          line,
          title: 'telnet (cleartext login) is started',
          evidence: text.trim().slice(0, 200),
          lawIds: CLEARTEXT_SERVICE_LAW,
          universal: false,
        });
      }
    }
  }
  return out;
}

function resolveVariable(name: string, here: TextFile, all: TextFile[]): string | null {
  const assigned = new RegExp(`^\\s*${name}=["']?([^"'\\s$\`]+)["']?\\s*$`, 'm').exec(here.text)?.[1];
  if (assigned) return assigned;
  const file = all.find((f) => basename(f.path) === name);
  const value = file?.text.trim();
  return value && !value.includes('\n') ? value : null;
}

function ssh(all: TextFile[], ctx: InspectContext, rootPassword: string | null): Finding[] {
  const out: Finding[] = [];
  for (const f of all) {
    const name = basename(f.path);
    if (name === 'sshd_config' || /sshd_config\.d\//.test(f.path)) {
      for (const { line, text } of f.lines) {
        if (isComment(text)) continue;
        if (/^\s*PermitEmptyPasswords\s+yes\b/i.test(text)) {
          out.push({
            rule: 'service-no-authentication',
            severity: 'high',
            path: f.path,
            line,
            title: 'sshd lets accounts with an empty password log in',
            evidence: text.trim(),
            lawIds: UNIVERSAL_PASSWORD_LAW,
            universal: false,
          });
        }
        if (/^\s*PermitRootLogin\s+yes\b/i.test(text) && rootPassword !== null) {
          out.push({
            rule: 'service-default-credential',
            severity: 'critical',
            path: f.path,
            line,
            title: `sshd lets root log in with the image's root password "${mask(rootPassword, ctx.showSecrets)}"`,
            evidence: `${text.trim()}; root's password is "${mask(rootPassword, ctx.showSecrets)}"`,
            secret: rootPassword,
            lawIds: GUESSABLE_PASSWORD_LAW,
            universal: true,
          });
        }
      }
    } else if (IS_STARTUP(f.path)) {
      for (const { line, text } of f.lines) {
        if (isComment(text) || !/\bdropbear\b/.test(text)) continue;
        // -B allows blank-password logins.
        if (/\s-[A-Za-z]*B/.test(text)) {
          out.push({
            rule: 'service-no-authentication',
            severity: 'high',
            path: f.path,
            line,
            title: 'dropbear lets accounts with an empty password log in (-B)',
            evidence: text.trim().slice(0, 200),
            lawIds: UNIVERSAL_PASSWORD_LAW,
            universal: false,
          });
        }
      }
    }
  }
  return out;
}

// user:value lines of htpasswd-style files (htpasswd, lighttpd plain/htpasswd, nginx, mosquitto,
// BusyBox httpd.conf's /path:user:pass lines).
interface PasswordRow {
  path: string;
  line: number;
  user: string;
  hash: string;
  service: string;
  plain: boolean;
}

function passwordFiles(all: TextFile[]): PasswordRow[] {
  const referenced = new Map<string, string>();
  for (const f of all) {
    for (const { text } of f.lines) {
      if (isComment(text)) continue;
      const m =
        /auth\.backend\.(?:plain|htpasswd|htdigest)\.userfile\s*=\s*"([^"]+)"/.exec(text) ??
        /auth_basic_user_file\s+([^;\s]+)\s*;/.exec(text) ??
        /^\s*password_file\s+(\S+)/.exec(text);
      if (m?.[1]) {
        const service = text.includes('auth.backend') ? 'lighttpd' : text.includes('auth_basic') ? 'nginx' : 'mosquitto';
        referenced.set(m[1].replace(/^\/+/, ''), text.includes('backend.plain') ? 'lighttpd (plain)' : service);
      }
    }
  }
  const rows: PasswordRow[] = [];
  for (const f of all) {
    const name = basename(f.path);
    const service = referenced.get(f.path) ?? ([...referenced].find(([p]) => f.path.endsWith(`/${p}`))?.[1] || null) ?? (/htpasswd/.test(name) ? 'web server (.htpasswd)' : null);
    if (name === 'httpd.conf' && !f.text.includes('<VirtualHost') && !f.text.includes('ServerRoot')) {
      // BusyBox httpd: "/path:user:password" protects path; the password may be plaintext or $1$.
      for (const { line, text } of f.lines) {
        const m = /^\s*(\/[^:\s]*):([^:\s]+):(\S*)\s*$/.exec(text);
        if (m && !isComment(text)) rows.push({ path: f.path, line, user: m[2] ?? '', hash: m[3] ?? '', service: `BusyBox httpd (${m[1]})`, plain: false });
      }
      continue;
    }
    if (service === null) continue;
    for (const { line, text } of f.lines) {
      if (isComment(text) || text.trim() === '') continue;
      const at = text.indexOf(':');
      if (at <= 0) continue;
      const user = text.slice(0, at).trim();
      // htdigest lines are user:realm:md5 — the MD5 of user:realm:password.
      const rest = text.slice(at + 1).trim();
      rows.push({ path: f.path, line, user, hash: rest, service, plain: service === 'lighttpd (plain)' });
    }
  }
  return rows;
}

function uci(all: TextFile[], ctx: InspectContext): Finding[] {
  const out: Finding[] = [];
  for (const f of all) {
    if (!/(^|\/)etc\/config\/[^/]+$/.test(f.path)) continue;
    let section = '';
    let encryption = '';
    for (const { line, text } of f.lines) {
      const head = /^\s*config\s+(\S+)/.exec(text);
      if (head) {
        section = head[1] ?? '';
        encryption = '';
        continue;
      }
      const enc = /^\s*option\s+encryption\s+['"]?([^'"\s]+)/.exec(text);
      if (enc) encryption = enc[1] ?? '';
      const m = /^\s*option\s+(password|passwd|pass|key|psk|wpa_passphrase|auth_secret|secret)\s+['"]?([^'"]*)['"]?\s*$/.exec(text);
      if (!m) continue;
      const [, option = '', value = ''] = m;
      if (isPlaceholder(value) || (option === 'key' && /^[1-4]$/.test(value))) continue;
      if (section === 'wifi-iface' && (option === 'key' || option === 'psk')) {
        out.push(wifi(f.path, line, value, `UCI wifi-iface (encryption ${encryption || 'unset'})`, true, ctx));
      } else {
        out.push(plaintextFinding({ path: f.path, line, service: `UCI ${basename(f.path)} (${section})`, user: '', password: value, where: `option ${option}` }, ctx));
      }
    }
  }
  return out;
}

function wifi(path: string, line: number, psk: string, where: string, accessPoint: boolean, ctx: InspectContext): Finding {
  return {
    rule: 'wifi-psk',
    severity: accessPoint ? 'high' : 'medium',
    path,
    line,
    title: accessPoint ? 'The Wi-Fi access point has a fixed passphrase, the same on every unit' : 'A Wi-Fi client passphrase is fixed in the image',
    evidence: `${where}: ${mask(psk, ctx.showSecrets)}`,
    secret: psk,
    // The device's own network passphrase is a password to the product; a client config's is a
    // secret shipped in every unit's software.
    lawIds: accessPoint ? (guessable(psk) ? GUESSABLE_PASSWORD_LAW : UNIVERSAL_PASSWORD_LAW) : ['etsi.5.4-3'],
    universal: accessPoint,
  };
}

function wpa(all: TextFile[], ctx: InspectContext): Finding[] {
  const out: Finding[] = [];
  for (const f of all) {
    const name = basename(f.path);
    const ap = /hostapd.*\.conf$/.test(name);
    const client = /wpa_supplicant.*\.conf$/.test(name);
    if (!ap && !client) continue;
    for (const { line, text } of f.lines) {
      if (isComment(text)) continue;
      const m = ap ? /^\s*(wpa_passphrase|wpa_psk)=(.+?)\s*$/.exec(text) : /^\s*psk=("?)(.+?)\1\s*$/.exec(text);
      const value = m?.[2];
      if (value && !isPlaceholder(value)) out.push(wifi(f.path, line, value, ap ? `hostapd ${m?.[1] ?? ''}` : 'wpa_supplicant psk', ap, ctx));
    }
  }
  return out;
}

function anonymous(all: TextFile[]): Finding[] {
  const out: Finding[] = [];
  const add = (f: TextFile, line: number, text: string, service: string): void => {
    out.push({
      rule: 'service-no-authentication',
      severity: 'medium',
      path: f.path,
      line,
      title: `${service} accepts anonymous clients`,
      evidence: text.trim(),
      lawIds: UNAUTHENTICATED_SERVICE_LAW,
      universal: false,
    });
  };
  for (const f of all) {
    const name = basename(f.path);
    for (const { line, text } of f.lines) {
      if (isComment(text)) continue;
      if (/mosquitto.*\.conf$/.test(name) && /^\s*allow_anonymous\s+true\b/.test(text)) add(f, line, text, 'The MQTT broker (mosquitto)');
      if (/vsftpd.*\.conf$/.test(name) && /^\s*anonymous_enable\s*=\s*YES\b/i.test(text)) add(f, line, text, 'vsftpd');
      if (/pure-ftpd.*\.conf$/.test(name) && /^\s*NoAnonymous\s+no\b/i.test(text)) add(f, line, text, 'pure-ftpd');
    }
    if (/pure-ftpd\/conf\/NoAnonymous$/.test(f.path) && /^\s*no\s*$/i.test(f.text)) add(f, 1, 'NoAnonymous: no', 'pure-ftpd');
  }
  return out;
}

const WELL_KNOWN_COMMUNITIES = new Set(['public', 'private', 'community', 'snmp', 'admin', 'default', 'secret', 'manager', 'write', 'read']);

function snmp(all: TextFile[], ctx: InspectContext): Finding[] {
  const out: Finding[] = [];
  for (const f of all) {
    if (!/snmpd?\.conf$|(^|\/)etc\/config\/snmpd$/.test(f.path)) continue;
    for (const { line, text } of f.lines) {
      if (isComment(text)) continue;
      const m = /^\s*(ro|rw)community6?\s+(\S+)/.exec(text);
      const com2sec = /^\s*com2sec6?\s+(?:-Cn\s+\S+\s+)?\S+\s+\S+\s+(\S+)/.exec(text);
      const uciCommunity = /^\s*option\s+community\s+['"]?([^'"\s]+)/.exec(text);
      const access = m?.[1] ?? (com2sec ? 'group-defined' : uciCommunity ? 'UCI' : null);
      const community = m?.[2] ?? com2sec?.[1] ?? uciCommunity?.[1];
      if (!access || !community || isPlaceholder(community)) continue;
      const known = WELL_KNOWN_COMMUNITIES.has(community.toLowerCase());
      out.push({
        rule: 'snmp-community',
        severity: access === 'rw' ? 'critical' : 'high',
        path: f.path,
        line,
        title: `SNMP ${access === 'rw' ? 'read-write' : access === 'ro' ? 'read-only' : ''} community "${mask(community, ctx.showSecrets)}" is the same on every unit${known ? ' (a well-known default)' : ''}`.replace('  ', ' '),
        evidence: `${text.trim().split(/\s+/).slice(0, 1).join(' ')} ${mask(community, ctx.showSecrets)}`,
        secret: community,
        lawIds: known ? GUESSABLE_PASSWORD_LAW : UNIVERSAL_PASSWORD_LAW,
        universal: true,
      });
    }
  }
  return out;
}

// RTSP servers and ONVIF daemons keep users in ini, XML or JSON files of their own.
function cameras(all: TextFile[], ctx: InspectContext): Finding[] {
  const out: Finding[] = [];
  for (const f of all) {
    if (!/(rtsp|onvif|stream|camera|ipcam)[^/]*$/i.test(basename(f.path)) || /\.(sh|js|html?|so)$/.test(f.path)) continue;
    const xml = /<(?:tt:)?Username>([^<]+)<\/(?:tt:)?Username>\s*<(?:tt:)?Password>([^<]*)<\/(?:tt:)?Password>/gi;
    for (const m of f.text.matchAll(xml)) {
      const line = f.text.slice(0, m.index).split('\n').length;
      if (!isPlaceholder(m[2] ?? '')) out.push(plaintextFinding({ path: f.path, line, service: 'ONVIF/RTSP', user: m[1] ?? '', password: m[2] ?? '', where: basename(f.path) }, ctx));
    }
    let user = '';
    for (const { line, text } of f.lines) {
      if (isComment(text)) continue;
      const u = /^\s*"?(user(?:name)?|login|admin_user)"?\s*[=:]\s*"?([^"\s,]+)"?/i.exec(text);
      if (u) user = u[2] ?? '';
      const p = /^\s*"?(pass(?:word)?|passwd|pwd|admin_pass(?:word)?)"?\s*[=:]\s*"?([^"\s,]*)"?/i.exec(text);
      if (p && !isPlaceholder(p[2] ?? '')) out.push(plaintextFinding({ path: f.path, line, service: 'RTSP/ONVIF', user, password: p[2] ?? '', where: basename(f.path) }, ctx));
    }
  }
  return out;
}

/** Reports services started without authentication and credentials fixed in their configs. */
export async function inspect(entries: Entry[], ctx: InspectContext): Promise<Finding[]> {
  const all = textFiles(entries);
  // root's password, when the image fixes one we can crack, makes "PermitRootLogin yes" a finding.
  let rootPassword: string | null = null;
  const root = parseAccounts(entries).find((a) => a.name === 'root' && loginOf(a.field, a.kind).kind !== 'locked');
  if (root) {
    const login = loginOf(root.field, root.kind);
    if (login.kind === 'empty') rootPassword = '';
    else if (login.kind === 'hash') rootPassword = (await ctx.crack([{ account: 'root', hash: login.hash }]))[0]?.password ?? null;
  }
  const hashed = await hashedFindings(passwordFiles(all), ctx);
  return uniqueFindings([...telnet(all, ctx), ...ssh(all, ctx, rootPassword), ...hashed, ...uci(all, ctx), ...wpa(all, ctx), ...anonymous(all), ...snmp(all, ctx), ...cameras(all, ctx)]);
}

// HTTP Digest access authentication (RFC 7616, with RFC 2617's MD5 and no-qop forms that older
// devices still speak), shared by the HTTP and RTSP probes: both answer a 401 carrying
// `WWW-Authenticate: Digest …` the same way.
import crypto from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' as the server named it. */
  algorithm: string;
  /** The qop values offered; empty for RFC 2069 servers. */
  qop: string[];
  stale: boolean;
}

/** Splits a WWW-Authenticate value into its challenges' parameters (quoted strings honoured). */
export function parseAuthenticate(header: string): { scheme: string; params: Record<string, string> }[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  // Bounded: a device's header is a few hundred bytes; nothing longer is read.
  const text = header.slice(0, 8192);
  let at = 0;
  const skip = (re: RegExp): string | undefined => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    at = re.lastIndex;
    return m[0];
  };
  let current: { scheme: string; params: Record<string, string> } | undefined;
  while (at < text.length) {
    skip(/[\s,]*/y);
    const token = skip(/[!#$%&'*+.^_`|~\w-]+/y);
    if (token === undefined) break;
    skip(/[ \t]*/y);
    if (text[at] === '=' && current) {
      at++;
      skip(/[ \t]*/y);
      let value: string;
      if (text[at] === '"') {
        const quoted = skip(/"((?:[^"\\]|\\.)*)"?/y) ?? '""';
        value = quoted.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
      } else value = skip(/[^,\s]*/y) ?? '';
      current.params[token.toLowerCase()] = value;
    } else if (text[at] === '=') {
      skip(/=+/y); // a token68 with no scheme before it: not ours to read
    } else {
      current = { scheme: token, params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

/** The Digest challenge in a WWW-Authenticate value, or undefined when it offers none. */
export function digestChallenge(header: string): DigestChallenge | undefined {
  const found = parseAuthenticate(header).find((c) => c.scheme.toLowerCase() === 'digest');
  if (!found || found.params.nonce === undefined) return undefined;
  return {
    realm: found.params.realm ?? '',
    nonce: found.params.nonce,
    ...(found.params.opaque === undefined ? {} : { opaque: found.params.opaque }),
    algorithm: found.params.algorithm ?? 'MD5',
    qop: (found.params.qop ?? '')
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    stale: (found.params.stale ?? '').toLowerCase() === 'true',
  };
}

/** The realm of a Basic challenge, or undefined when it offers none. */
export function basicRealm(header: string): string | undefined {
  const found = parseAuthenticate(header).find((c) => c.scheme.toLowerCase() === 'basic');
  return found ? (found.params.realm ?? '') : undefined;
}

function hashOf(algorithm: string): (s: string) => string {
  const name = algorithm.toUpperCase().startsWith('SHA-256') ? 'sha256' : 'md5';
  return (s) => crypto.createHash(name).update(s, 'utf8').digest('hex');
}

/**
 * The Authorization header value answering a Digest challenge for one request.
 * `cnonce` and `nc` are parameters so tests can check against published examples.
 */
export function digestAuthorization(
  challenge: DigestChallenge,
  request: { method: string; uri: string; username: string; password: string },
  options: { cnonce?: string; nc?: number } = {},
): string {
  const h = hashOf(challenge.algorithm);
  const cnonce = options.cnonce ?? crypto.randomBytes(8).toString('hex');
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  let ha1 = h(`${request.username}:${challenge.realm}:${request.password}`);
  if (challenge.algorithm.toLowerCase().endsWith('-sess')) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(`${request.method}:${request.uri}`);
  const qop = challenge.qop.includes('auth') ? 'auth' : undefined;
  const response = qop ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const quote = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const parts = [
    `username=${quote(request.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quote(response)}`,
    ...(challenge.opaque === undefined ? [] : [`opaque=${quote(challenge.opaque)}`]),
    ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}

/** The Authorization header value for Basic authentication. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

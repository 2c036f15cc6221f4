// Web interfaces of common consumer devices: how to recognise them, how their login works, and the
// defaults their makers shipped. The facts are re-expressed from vendors' manuals and support pages
// and from what is commonly known of these products; no third-party list is copied. A recipe only
// tells the HTTP probe where to look and what to send — the probe still proves every success
// itself (see http.ts), so a wrong or outdated recipe costs a missed finding, never a false one.
import type { Credential, Fingerprint } from '../types.ts';

/** One way a device's page gives itself away; every condition given must hold. */
export interface MatchRule {
  title?: RegExp;
  server?: RegExp;
  realm?: RegExp;
  body?: RegExp;
  /** The rule is read only on the answer to this path (fetched by detect() as a probe path). */
  path?: string;
}

/** Basic or Digest on a path that answers 401 without credentials. */
export interface ChallengeRecipe {
  kind: 'basic' | 'digest';
  path: string;
}

/**
 * A login form (or a login CGI taking the credentials as parameters). Plain data, no RegExp:
 * it travels in Detection.state. Markers are matched case-insensitively as substrings.
 */
export interface FormRecipe {
  kind: 'form';
  /** Fetched first, for cookies, hidden fields and tokens. */
  loginPage: string;
  /** Where the credentials go; absent: the action of the page's form. */
  action?: string;
  method: 'POST' | 'GET';
  encoding?: 'form' | 'json';
  /** Absent with `passwordField` absent too: both are read from the page's form. */
  usernameField?: string;
  passwordField?: string;
  passwordEncoding?: 'plain' | 'base64';
  extraFields?: Record<string, string>;
  /** A token the device checks beside the cookie (hidden fields of the form are always sent back). */
  csrf?: { from: 'meta' | 'cookie'; name: string; field?: string; header?: string };
  /**
   * 'session': the login sets a session; proof is a page that shows the login without it and not
   * with it. 'response': the answer itself says whether the credentials were right (login CGIs).
   */
  proof: 'session' | 'response';
  /** Fetched with the session as proof; absent: where the login redirects, or the protected page. */
  authenticatedPath?: string;
  successMarkers?: string[];
  failureMarkers?: string[];
}

export type LoginRecipe = ChallengeRecipe | FormRecipe;

export interface DefaultPair {
  username: string;
  password: string;
  /** Where the fact comes from, e.g. 'vendor manual (firmware before …)'. */
  source: string;
}

export interface DeviceWebUi {
  id: string;
  vendor: string;
  product: string;
  category: 'camera' | 'router' | 'access point' | 'nas' | 'printer';
  match: MatchRule[];
  /** A path that shows the login page when `/` does not (a script redirect the probe cannot run). */
  probePath?: string;
  login: LoginRecipe;
  /** Text on an admin page that the device only shows when it has no password at all. */
  openAccessMarkers?: string[];
  defaults: DefaultPair[];
  /** What the recipe does not cover. */
  note?: string;
}

export const deviceWebUis: readonly DeviceWebUi[] = [
  {
    id: 'hikvision',
    vendor: 'Hikvision',
    product: 'IP camera / NVR',
    category: 'camera',
    match: [{ server: /^(?:App-webs|Hikvision-Webs|DNVRS-Webs|DVRDVS-Webs)\b/i }, { body: /\/doc\/page\/login\.asp/i }, { path: '/doc/page/login.asp', body: /hikvision/i }],
    probePath: '/doc/page/login.asp',
    login: { kind: 'digest', path: '/ISAPI/Security/userCheck' },
    defaults: [{ username: 'admin', password: '12345', source: 'vendor manual (firmware before 5.3, when activation with a chosen password became mandatory)' }],
    note: 'the browser login hashes the password with a session challenge; the ISAPI endpoint takes Digest (Basic on old firmware) and is what is tried',
  },
  {
    id: 'dahua',
    vendor: 'Dahua',
    product: 'IP camera / DVR',
    category: 'camera',
    match: [{ title: /^\s*WEB SERVICE\s*$/i }, { realm: /^Login to [0-9A-Z]{8,}$/ }],
    login: { kind: 'digest', path: '/cgi-bin/magicBox.cgi?action=getDeviceType' },
    defaults: [
      { username: 'admin', password: 'admin', source: 'vendor manual (firmware before the 2017 mandatory-password change)' },
      { username: '888888', password: '888888', source: 'vendor manual (older DVRs: local administrator)' },
      { username: '666666', password: '666666', source: 'vendor manual (older DVRs: local user)' },
    ],
    note: 'OEM-branded units (Amcrest, Lorex and others) share this interface',
  },
  {
    id: 'axis',
    vendor: 'Axis',
    product: 'network camera',
    category: 'camera',
    match: [{ realm: /^AXIS_[0-9A-F]{12}$/i }, { title: /^AXIS\b/ }, { body: /\/axis-cgi\//i, title: /axis/i }],
    login: { kind: 'digest', path: '/axis-cgi/param.cgi?action=list&group=Brand' },
    defaults: [{ username: 'root', password: 'pass', source: 'vendor manual (older firmware; current firmware has the root password set at first access)' }],
  },
  {
    id: 'foscam',
    vendor: 'Foscam',
    product: 'HD IP camera',
    category: 'camera',
    match: [{ title: /^\s*IPCam Client\s*$/i }, { body: /CGIProxy\.fcgi/i }],
    login: {
      kind: 'form',
      loginPage: '/',
      action: '/cgi-bin/CGIProxy.fcgi',
      method: 'GET',
      usernameField: 'usr',
      passwordField: 'pwd',
      extraFields: { cmd: 'getDevState' },
      proof: 'response',
      successMarkers: ['<result>0</result>'],
      failureMarkers: ['<result>-2</result>'],
    },
    defaults: [{ username: 'admin', password: '', source: 'vendor quick-start guide (user admin, blank password)' }],
  },
  {
    id: 'tp-link-basic',
    vendor: 'TP-Link',
    product: 'router (Basic-auth web UI)',
    category: 'router',
    match: [{ realm: /TP-LINK/i }, { title: /^\s*TL-(?:WR|MR|WA)\w+/i }],
    login: { kind: 'basic', path: '/' },
    defaults: [{ username: 'admin', password: 'admin', source: 'vendor manual and device label' }],
    note: 'newer TP-Link interfaces encrypt the password in the browser and are not covered by this recipe',
  },
  {
    id: 'netgear',
    vendor: 'Netgear',
    product: 'router',
    category: 'router',
    match: [{ realm: /^NETGEAR\b/i }],
    login: { kind: 'basic', path: '/' },
    defaults: [{ username: 'admin', password: 'password', source: 'vendor manual' }],
  },
  {
    id: 'd-link',
    vendor: 'D-Link',
    product: 'router / DCS camera (Basic-auth web UI)',
    category: 'router',
    match: [{ realm: /^(?:DCS|DIR|DI|DSL)-\w+/i }, { server: /^dcs-lig-httpd\b/i }],
    login: { kind: 'basic', path: '/' },
    defaults: [{ username: 'admin', password: '', source: 'vendor manual (user admin, blank password)' }],
  },
  {
    id: 'linksys',
    vendor: 'Linksys',
    product: 'router (Basic-auth web UI)',
    category: 'router',
    match: [{ realm: /^(?:Linksys\b|WRT\d+|E\d{3,4}\b)/i }],
    login: { kind: 'basic', path: '/' },
    defaults: [
      { username: 'admin', password: 'admin', source: 'vendor manual' },
      { username: '', password: 'admin', source: 'vendor manual (older models: blank user name)' },
    ],
  },
  {
    id: 'asus',
    vendor: 'ASUS',
    product: 'router (Basic-auth web UI)',
    category: 'router',
    match: [{ realm: /^(?:RT|GT)-[A-Z0-9]+/i }],
    login: { kind: 'basic', path: '/' },
    defaults: [{ username: 'admin', password: 'admin', source: 'vendor manual' }],
    note: 'current ASUS firmware posts base64 credentials to /login.cgi and asks for a new password at setup',
  },
  {
    id: 'zyxel',
    vendor: 'Zyxel',
    product: 'router / gateway',
    category: 'router',
    match: [{ title: /zyxel/i }, { realm: /zyxel|^P-66\d/i }],
    // Field names differ between firmware lines: read from the page's own form.
    login: { kind: 'form', loginPage: '/', method: 'POST', proof: 'session', failureMarkers: ['incorrect', 'invalid'] },
    defaults: [{ username: 'admin', password: '1234', source: 'vendor manual' }],
  },
  {
    id: 'openwrt-luci',
    vendor: 'OpenWrt',
    product: 'LuCI web interface',
    category: 'router',
    match: [{ title: /\bLuCI\b/ }, { body: /\/luci-static\//i }, { path: '/cgi-bin/luci', body: /name="luci_password"/i }],
    probePath: '/cgi-bin/luci',
    login: {
      kind: 'form',
      loginPage: '/cgi-bin/luci',
      action: '/cgi-bin/luci',
      method: 'POST',
      usernameField: 'luci_username',
      passwordField: 'luci_password',
      proof: 'session',
      authenticatedPath: '/cgi-bin/luci/',
      failureMarkers: ['Invalid username and/or password'],
    },
    openAccessMarkers: ['No password set!', 'There is no password set on this router'],
    defaults: [{ username: 'root', password: '', source: 'OpenWrt documentation (no root password until the user sets one)' }],
  },
  {
    id: 'ubiquiti-airos',
    vendor: 'Ubiquiti',
    product: 'airOS',
    category: 'access point',
    match: [{ title: /\bairOS\b/i }, { path: '/login.cgi', body: /airos|ubnt/i }],
    probePath: '/login.cgi',
    login: {
      kind: 'form',
      loginPage: '/login.cgi',
      action: '/login.cgi',
      method: 'POST',
      usernameField: 'username',
      passwordField: 'password',
      proof: 'session',
      authenticatedPath: '/index.cgi',
      failureMarkers: ['Invalid credentials'],
    },
    defaults: [{ username: 'ubnt', password: 'ubnt', source: 'vendor manual (older airOS; later versions ask for a new password at first login)' }],
  },
  {
    id: 'mikrotik',
    vendor: 'MikroTik',
    product: 'RouterOS',
    category: 'router',
    match: [{ title: /\bRouterOS\b/i }],
    // WebFig encrypts its login in the browser; RouterOS 7's REST API takes Basic.
    login: { kind: 'basic', path: '/rest/system/resource' },
    defaults: [{ username: 'admin', password: '', source: 'vendor documentation (blank password on units shipped before per-unit passwords)' }],
  },
  {
    id: 'qnap',
    vendor: 'QNAP',
    product: 'NAS (QTS)',
    category: 'nas',
    match: [{ title: /\bQNAP\b|\bQTS\b/ }],
    login: {
      kind: 'form',
      loginPage: '/',
      action: '/cgi-bin/authLogin.cgi',
      method: 'GET',
      usernameField: 'user',
      passwordField: 'pwd',
      passwordEncoding: 'base64',
      proof: 'response',
      successMarkers: ['<authPassed><![CDATA[1]]></authPassed>'],
      failureMarkers: ['<authPassed><![CDATA[0]]></authPassed>'],
    },
    defaults: [{ username: 'admin', password: 'admin', source: 'vendor documentation (older QTS; newer firmware has the password set at installation)' }],
  },
  {
    id: 'synology',
    vendor: 'Synology',
    product: 'DiskStation Manager',
    category: 'nas',
    match: [{ title: /\bSynology\b|\bDiskStation\b/i }],
    login: {
      kind: 'form',
      loginPage: '/',
      action: '/webapi/auth.cgi',
      method: 'GET',
      usernameField: 'account',
      passwordField: 'passwd',
      extraFields: { api: 'SYNO.API.Auth', version: '3', method: 'login', session: 'Connectable', format: 'sid' },
      proof: 'response',
      successMarkers: ['"success":true'],
      failureMarkers: ['"success":false'],
    },
    defaults: [{ username: 'admin', password: '', source: 'vendor knowledge base (DSM 6 and earlier: admin with a blank password until changed)' }],
  },
  {
    id: 'brother-printer',
    vendor: 'Brother',
    product: 'printer web management',
    category: 'printer',
    match: [{ server: /^debut\//i }, { title: /^\s*Brother\b/i }],
    login: { kind: 'form', loginPage: '/general/status.html', method: 'POST', proof: 'session' },
    defaults: [
      { username: '', password: 'initpass', source: 'vendor support pages (models without a password on the label)' },
      { username: '', password: 'access', source: 'vendor support pages (older models)' },
    ],
  },
  {
    id: 'hp-printer',
    vendor: 'HP',
    product: 'printer Embedded Web Server',
    category: 'printer',
    match: [{ server: /^(?:HP HTTP Server|HP-ChaiSOE|Virata-EmWeb)\b/i }],
    login: { kind: 'form', loginPage: '/hp/device/SignIn/Index', method: 'POST', proof: 'session' },
    defaults: [{ username: 'admin', password: '', source: 'vendor documentation (older models: no administrator password until one is set)' }],
  },
];

/** What one HTTP answer showed, as matched against the table. */
export interface HttpObservation {
  /** The path asked for (before redirects). */
  path: string;
  title?: string;
  server?: string;
  realm?: string;
  body: string;
}

export interface FingerprintMatch {
  entry: DeviceWebUi;
  fingerprint: Fingerprint;
}

/** The first device whose rules an answer satisfies, with what identified it. */
export function matchFingerprint(observation: HttpObservation): FingerprintMatch | undefined {
  for (const entry of deviceWebUis) {
    for (const rule of entry.match) {
      const evidence = ruleEvidence(rule, observation);
      if (evidence) return { entry, fingerprint: { vendor: entry.vendor, product: entry.product, evidence } };
    }
  }
  return undefined;
}

function ruleEvidence(rule: MatchRule, o: HttpObservation): string | undefined {
  if (rule.path !== undefined && rule.path !== o.path) return undefined;
  const parts: string[] = [];
  const check = (re: RegExp | undefined, value: string | undefined, describe: (v: string) => string): boolean => {
    if (!re) return true;
    if (value === undefined) return false;
    const m = re.exec(value);
    if (!m) return false;
    parts.push(describe(m[0]));
    return true;
  };
  const ok =
    check(rule.title, o.title, (v) => `HTTP title "${v.trim()}"`) &&
    check(rule.server, o.server, (v) => `Server header "${v}"`) &&
    check(rule.realm, o.realm, (v) => `WWW-Authenticate realm "${v}"`) &&
    check(rule.body, o.body, (v) => `page text "${v}"${rule.path === undefined ? '' : ` at ${rule.path}`}`);
  return ok && parts.length > 0 ? parts.join(', ') : undefined;
}

/** Paths detect() asks for when `/` identifies nothing, each at most once. */
export function fingerprintProbePaths(): string[] {
  return [...new Set(deviceWebUis.flatMap((e) => (e.probePath === undefined ? [] : [e.probePath])))];
}

/** The table entry a Detection.fingerprint came from. */
export function fingerprintEntry(vendor: string, product?: string): DeviceWebUi | undefined {
  const v = vendor.toLowerCase();
  const p = product?.toLowerCase();
  return deviceWebUis.find((e) => e.vendor.toLowerCase() === v && (p === undefined || e.product.toLowerCase() === p));
}

/**
 * The known default pairs of a product as credentials, its own entry first; without a product
 * (or one not in the table), every entry of the vendor.
 */
export function fingerprintCredentials(vendor: string, product?: string): Credential[] {
  const v = vendor.toLowerCase();
  const exact = product === undefined ? undefined : fingerprintEntry(vendor, product);
  const entries = exact ? [exact] : deviceWebUis.filter((e) => e.vendor.toLowerCase() === v);
  const seen = new Set<string>();
  const out: Credential[] = [];
  for (const entry of entries) {
    for (const pair of entry.defaults) {
      const key = `${pair.username}\u0000${pair.password}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ username: pair.username, password: pair.password, source: `vendor:${entry.vendor} (${entry.product}): ${pair.source}` });
    }
  }
  return out;
}

// What every protocol module of the network probe declares and returns. The scheduler
// (src/probe/run.ts) owns targets, scope, limits, delays, lock-out handling and the control
// attempt; a protocol module only knows how to recognise its service and try one credential.

export const serviceKinds = ['telnet', 'ssh', 'http', 'https', 'ftp', 'mqtt', 'rtsp', 'snmp'] as const;
export type ServiceKind = (typeof serviceKinds)[number];

/** One service on one host. `host` is an IP literal (IPv6 without brackets): names are resolved before. */
export interface Endpoint {
  host: string;
  port: number;
  service: ServiceKind;
}

/** A username and password to try, with where it came from (shown in the report). */
export interface Credential {
  /** '' where the protocol has no user name (SNMP communities, password-only telnet). */
  username: string;
  password: string;
  /** Provenance: 'mirai', 'vendor:Hikvision', 'common', 'maker list', … */
  source: string;
}

export interface ProbeContext {
  /** Bound on each step of a protocol exchange: connecting, and each wait for the peer to answer. */
  timeoutMs: number;
  /** Aborted when the probe's overall time limit passes or the user interrupts. */
  signal: AbortSignal;
  /**
   * Whether an address may be contacted. Protocol modules connect only to the endpoint they are
   * given, and call this before following anything the peer points elsewhere (an HTTP redirect,
   * an RTSP Content-Base): a probe never touches a host that was not among its targets.
   */
  inScope(host: string): boolean;
}

export interface Fingerprint {
  vendor: string;
  product?: string;
  /** What identified it: 'telnet banner "…"', 'HTTP title "…"', 'WWW-Authenticate realm "…"'. */
  evidence: string;
}

export interface Detection {
  /** The endpoint speaks this protocol. False means something else answered: reported, not tried. */
  speaks: boolean;
  /** What the service said of itself: banner, Server header, realm, page title (bounded, printable). */
  banner?: string;
  /** The product, when the banner or login page tells it, to try that product's defaults first. */
  fingerprint?: Fingerprint;
  /**
   * 'required': the service asks for credentials. 'none': it gave access with none at all (an open
   * shell, CONNACK 0 without credentials, a stream's SDP, sysDescr for any community).
   * 'unknown': it could not tell without trying (SNMP stays silent for a wrong community).
   */
  auth: 'required' | 'none' | 'unknown';
  /**
   * Set when the service answered but offers nothing to log in to (a web page without a login, a
   * camera with no stream at any known path): why. The scheduler then tries no credential.
   */
  noLogin?: string;
  /** With auth 'none': what was obtained without a credential, as proof. */
  openAccessEvidence?: string;
  /** Protocol-specific facts the attempts need (form fields, digest realm, stream URL). */
  state?: unknown;
}

export type AttemptOutcome = 'success' | 'rejected' | 'locked-out' | 'error' | 'timeout';

export interface AttemptResult {
  outcome: AttemptOutcome;
  /**
   * For a success, the proof that the login really gave access (a shell prompt answering a
   * command, a 2xx on a resource that answered 401 without credentials, CONNACK 0, sysDescr);
   * otherwise why it failed, in the peer's words where it gave any.
   */
  detail: string;
}

export interface ProtocolProbe {
  service: ServiceKind;
  transport: 'tcp' | 'udp';
  defaultPorts: readonly number[];
  /** Connects once without credentials: does it speak the protocol, who is it, is a login needed? */
  detect(endpoint: Endpoint, ctx: ProbeContext): Promise<Detection>;
  /** Tries one credential on a fresh connection and proves the outcome. */
  attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult>;
}

export type ProbeFailureKind = 'timeout' | 'refused' | 'unreachable' | 'reset' | 'protocol' | 'tls' | 'out-of-scope' | 'aborted';

/**
 * A step of a probe that could not be completed, with what the user would want to know.
 * Protocol modules throw this (never anything else) from detect() and attempt(); the scheduler
 * records it against the service and goes on with the rest.
 */
export class ProbeFailure extends Error {
  readonly kind: ProbeFailureKind;
  constructor(kind: ProbeFailureKind, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProbeFailure';
    this.kind = kind;
  }
}

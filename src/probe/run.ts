// The probe's scheduler: for every target, find which services answer, recognise them, prove
// whether a login is needed at all, make a control attempt with a random wrong credential, then
// try the default credentials in order — one at a time per service, with a delay, within caps,
// stopping at the first success, at any sign of lock-out, or when the service stops answering.
// Every step's outcome is recorded, so a clean result says exactly what was and was not tried.
import crypto from 'node:crypto';
import { credentialsFor } from './credentials.ts';
import { where } from './net.ts';
import { orderByGreeting } from './sniff.ts';
import type { Target } from './targets.ts';
import { ProbeFailure, type AttemptOutcome, type Credential, type Detection, type Endpoint, type ProbeContext, type ProtocolProbe, type ServiceKind } from './types.ts';

export interface ProbeLimits {
  /** Most credentials tried on one service, the control attempt included. */
  attemptsPerService: number;
  /** Most credentials tried on one host over all its services. */
  attemptsPerHost: number;
  /** Most exchanges (detections and attempts) in flight at once over the whole probe. */
  concurrency: number;
  /** Pause between two attempts on the same service, so a device's rate limits are respected. */
  delayMs: number;
  /** Bound on each step of an exchange (connect, each answer). */
  stepTimeoutMs: number;
  /** Bound on the whole probe; what is left undone is reported as such. */
  timeLimitMs: number;
  /** Consecutive errors or timeouts after which a service is given up as unresponsive. */
  maxConsecutiveFailures: number;
}

export const defaultLimits: ProbeLimits = {
  attemptsPerService: 100,
  attemptsPerHost: 400,
  concurrency: 256,
  delayMs: 100,
  stepTimeoutMs: 5000,
  timeLimitMs: 30 * 60 * 1000,
  maxConsecutiveFailures: 3,
};

export interface MakerList {
  credentials: Credential[];
  /** The service each credential is for; undefined for every service. */
  services: (ServiceKind | undefined)[];
}

export interface ProbeOptions {
  targets: readonly Target[];
  /** The services to look for (each protocol's default ports unless `ports` names others). */
  services: readonly ServiceKind[];
  ports?: Partial<Record<ServiceKind, readonly number[]>>;
  protocols: Partial<Record<ServiceKind, ProtocolProbe>>;
  maker?: MakerList;
  makerOnly?: boolean;
  /** Pairs a protocol knows for the product its detection recognised (e.g. a web UI's defaults). */
  fingerprintPairs?: (service: ServiceKind, detection: Detection) => Credential[];
  limits?: Partial<ProbeLimits>;
  signal?: AbortSignal;
  onProgress?: (progress: ProbeProgress) => void;
}

export interface ProbeProgress {
  services: number;
  servicesDone: number;
  attempts: number;
  logins: number;
}

export type ServiceState =
  /** Nothing listens there (connection refused). */
  | 'closed'
  /** Something answered, but not this protocol. */
  | 'other-service'
  /** No answer in time: filtered, down, or hanging. */
  | 'no-answer'
  /** It answered, then failed in a way that stopped the test (see problems). */
  | 'failed'
  /** It gave access without any credential. */
  | 'open-access'
  /** It answered, but offers no login to try (see problems). */
  | 'no-login'
  /** Credentials were tried (see stop and attempts). */
  | 'tested'
  /** Never reached: the probe's time limit or the host's attempt cap came first. */
  | 'not-tested';

export type StopReason = 'login-found' | 'accepts-any-credential' | 'list-exhausted' | 'service-cap' | 'host-cap' | 'locked-out' | 'unresponsive' | 'time-limit' | 'no-login-needed' | 'no-login-found';

export interface Attempt {
  credential: Credential;
  outcome: AttemptOutcome;
  detail: string;
  /** The control attempt: a random user and password that must be refused. */
  control?: boolean;
}

export interface ServiceResult {
  endpoint: Endpoint;
  given: string;
  state: ServiceState;
  banner?: string;
  fingerprint?: Detection['fingerprint'];
  auth?: Detection['auth'];
  openAccessEvidence?: string;
  stop?: StopReason;
  /** How many credentials the list held for this service, and how many were tried. */
  planned: number;
  attempts: Attempt[];
  logins: Attempt[];
  problems: string[];
  durationMs: number;
}

export interface ProbeRun {
  startedAt: string;
  durationMs: number;
  scope: string[];
  limits: ProbeLimits;
  services: ServiceResult[];
  /** The whole probe stopped at its time limit or was interrupted. */
  interrupted: boolean;
}

/** A small counting semaphore: the probe's overall bound on exchanges in flight. */
function semaphore(size: number): <T>(work: () => Promise<T>) => Promise<T> {
  let free = size;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free--;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** A credential nobody would set: the control that must be refused for a success to mean anything. */
export function controlCredential(service: ServiceKind): Credential {
  const random = crypto.randomBytes(12).toString('base64url');
  return service === 'snmp' ? { username: '', password: `cnt${random}`, source: 'control' } : { username: `cnt-${random.slice(0, 8)}`, password: random, source: 'control' };
}

/** The endpoints to look at on one target: its named port and service, or each service's ports. */
export function endpointsOf(target: Target, options: Pick<ProbeOptions, 'services' | 'ports' | 'protocols'>): Endpoint[][] {
  const portsOf = (s: ServiceKind): readonly number[] => options.ports?.[s] ?? options.protocols[s]?.defaultPorts ?? [];
  const wanted = options.services.filter((s) => options.protocols[s]);
  if (target.service) return [[{ host: target.host, port: target.port ?? portsOf(target.service)[0] ?? 0, service: target.service }]];
  if (target.port !== undefined) {
    const port = target.port;
    // A bare host:port: the services that use that port by default, else every service in turn
    // (the first whose detection recognises the peer wins).
    const usual = wanted.filter((s) => portsOf(s).includes(port));
    const candidates = usual.length ? usual : wanted;
    return [candidates.map((service) => ({ host: target.host, port, service }))];
  }
  return wanted.flatMap((service) => portsOf(service).map((port) => [{ host: target.host, port, service }]));
}

/** Runs the probe. Never throws for what a device does; only for a programming error. */
export async function runProbe(options: ProbeOptions): Promise<ProbeRun> {
  const limits: ProbeLimits = { ...defaultLimits, ...options.limits };
  const started = Date.now();
  const scope = new Set(options.targets.map((t) => t.host));
  const overall = new AbortController();
  const timer = setTimeout(() => overall.abort(), limits.timeLimitMs);
  const onUserAbort = (): void => overall.abort();
  options.signal?.addEventListener('abort', onUserAbort, { once: true });
  const ctx: ProbeContext = { timeoutMs: limits.stepTimeoutMs, signal: overall.signal, inScope: (host) => scope.has(host) };
  const slot = semaphore(limits.concurrency);
  const hostAttempts = new Map<string, number>();
  const progress: ProbeProgress = { services: 0, servicesDone: 0, attempts: 0, logins: 0 };
  const report = (): void => options.onProgress?.({ ...progress });

  const groups = options.targets.flatMap((target) => endpointsOf(target, options).map((group) => ({ target, group })));
  progress.services = groups.length;
  report();

  const testGroup = async (target: Target, group: Endpoint[]): Promise<ServiceResult> => {
    let last: ServiceResult | undefined;
    let ordered = group;
    const first = group[0];
    if (group.length > 1 && first) {
      const order = await slot(() => orderByGreeting(first, group.map((e) => e.service), ctx));
      ordered = order.map((service) => ({ ...first, service }));
    }
    for (const endpoint of ordered) {
      const result = await testService(target, endpoint);
      last = result;
      // With several candidate protocols for one port, go on only while the peer is not recognised.
      if (result.state !== 'other-service') break;
    }
    return last ?? { endpoint: group[0] ?? { host: target.host, port: 0, service: 'telnet' }, given: target.given, state: 'not-tested', planned: 0, attempts: [], logins: [], problems: ['no protocol module for this service'], durationMs: 0 };
  };

  const testService = async (target: Target, endpoint: Endpoint): Promise<ServiceResult> => {
    const began = Date.now();
    const result: ServiceResult = { endpoint, given: target.given, state: 'not-tested', planned: 0, attempts: [], logins: [], problems: [], durationMs: 0 };
    const finish = (): ServiceResult => {
      result.durationMs = Date.now() - began;
      return result;
    };
    const protocol = options.protocols[endpoint.service];
    if (!protocol) {
      result.problems.push(`no probe for ${endpoint.service}`);
      return finish();
    }
    if (overall.signal.aborted) {
      result.stop = 'time-limit';
      return finish();
    }

    let detection: Detection;
    try {
      detection = await slot(() => protocol.detect(endpoint, ctx));
    } catch (error) {
      const failure = asFailure(error);
      result.state = failure.kind === 'refused' ? 'closed' : failure.kind === 'timeout' || failure.kind === 'unreachable' ? 'no-answer' : failure.kind === 'aborted' ? 'not-tested' : 'failed';
      if (failure.kind === 'aborted') result.stop = 'time-limit';
      if (failure.kind !== 'refused') result.problems.push(failure.message);
      return finish();
    }
    if (detection.banner !== undefined) result.banner = detection.banner;
    if (detection.fingerprint) result.fingerprint = detection.fingerprint;
    result.auth = detection.auth;
    if (!detection.speaks) {
      result.state = 'other-service';
      return finish();
    }
    if (detection.noLogin !== undefined && detection.auth !== 'none') {
      result.state = 'no-login';
      result.problems.push(detection.noLogin);
      return finish();
    }
    if (detection.auth === 'none') {
      result.state = 'open-access';
      result.stop = 'no-login-needed';
      if (detection.openAccessEvidence !== undefined) result.openAccessEvidence = detection.openAccessEvidence;
      return finish();
    }

    const maker = options.maker
      ? { ...options.maker, credentials: options.maker.credentials.filter((_, i) => { const s = options.maker?.services[i]; return s === undefined || s === endpoint.service || (s === 'http' && endpoint.service === 'https'); }) }
      : undefined;
    const list = credentialsFor({
      service: endpoint.service,
      ...(detection.fingerprint ? { fingerprint: detection.fingerprint } : {}),
      ...(maker ? { maker: maker.credentials } : {}),
      ...(options.makerOnly ? { makerOnly: true } : {}),
      ...(options.fingerprintPairs ? { fingerprintPairs: options.fingerprintPairs(endpoint.service, detection) } : {}),
    });
    result.planned = list.length;
    result.state = 'tested';

    let consecutiveFailures = 0;
    let refusedAfterAnswering = 0;
    /** Tries one credential; returns a stop reason when the service must not be tried further. */
    const tryOne = async (credential: Credential, control: boolean): Promise<StopReason | undefined> => {
      if (overall.signal.aborted) return 'time-limit';
      if (result.attempts.length >= limits.attemptsPerService) return 'service-cap';
      const used = hostAttempts.get(endpoint.host) ?? 0;
      if (used >= limits.attemptsPerHost) return 'host-cap';
      hostAttempts.set(endpoint.host, used + 1);
      if (result.attempts.length > 0) await sleep(limits.delayMs, overall.signal);
      if (overall.signal.aborted) return 'time-limit';
      let attempt: Attempt;
      try {
        const outcome = await slot(() => protocol.attempt(endpoint, detection, credential, ctx));
        attempt = { credential, outcome: outcome.outcome, detail: outcome.detail, ...(control ? { control } : {}) };
      } catch (error) {
        const failure = asFailure(error);
        if (failure.kind === 'aborted') return 'time-limit';
        if (failure.kind === 'refused') refusedAfterAnswering++;
        attempt = { credential, outcome: failure.kind === 'timeout' ? 'timeout' : 'error', detail: failure.message, ...(control ? { control } : {}) };
      }
      result.attempts.push(attempt);
      progress.attempts++;
      report();
      if (attempt.outcome === 'success') {
        result.logins.push(attempt);
        progress.logins++;
        return control ? 'accepts-any-credential' : 'login-found';
      }
      if (attempt.outcome === 'locked-out') {
        result.problems.push(`stopped: the service signalled a lock-out after ${result.attempts.length} attempt${result.attempts.length === 1 ? '' : 's'} (${attempt.detail}); the rest of the list was not tried`);
        return 'locked-out';
      }
      if (attempt.outcome === 'error' || attempt.outcome === 'timeout') {
        consecutiveFailures++;
        if (refusedAfterAnswering >= 2) {
          result.problems.push(`stopped: the service began refusing connections after ${result.attempts.length} attempts — a lock-out, a crash or a rate limit; the rest of the list was not tried`);
          return 'locked-out';
        }
        if (consecutiveFailures >= limits.maxConsecutiveFailures) {
          result.problems.push(`stopped: ${consecutiveFailures} attempts in a row failed without an answer (last: ${attempt.detail}); the rest of the list was not tried`);
          return 'unresponsive';
        }
      } else {
        consecutiveFailures = 0;
        refusedAfterAnswering = 0;
      }
      return undefined;
    };

    // The control attempt shows the service tells right from wrong; a detection that could not
    // tell (SNMP, silent for a wrong community) already made that check itself.
    if (detection.auth === 'required') {
      const stop = await tryOne(controlCredential(endpoint.service), true);
      if (stop) {
        result.stop = stop;
        return finish();
      }
    }
    for (const credential of list) {
      const stop = await tryOne(credential, false);
      if (stop) {
        result.stop = stop;
        return finish();
      }
    }
    result.stop = list.length === 0 ? 'no-login-found' : 'list-exhausted';
    return finish();
  };

  try {
    const results = await Promise.all(
      groups.map(async ({ target, group }) => {
        const r = await testGroup(target, group);
        progress.servicesDone++;
        report();
        return r;
      }),
    );
    return {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      scope: [...scope],
      limits,
      services: results,
      interrupted: overall.signal.aborted,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onUserAbort);
  }
}

function asFailure(error: unknown): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  return new ProbeFailure('protocol', error instanceof Error ? error.message : String(error), { cause: error });
}

/** What the probe would do, without sending anything: for `--dry-run`. */
export function planProbe(options: Pick<ProbeOptions, 'targets' | 'services' | 'ports' | 'protocols' | 'maker' | 'makerOnly' | 'limits'>): {
  limits: ProbeLimits;
  scope: string[];
  endpoints: { given: string; endpoint: Endpoint; alternatives: ServiceKind[]; credentials: number; firstCredentials: Credential[] }[];
} {
  const limits: ProbeLimits = { ...defaultLimits, ...options.limits };
  return {
    limits,
    scope: [...new Set(options.targets.map((t) => t.host))],
    endpoints: options.targets.flatMap((target) =>
      endpointsOf(target, options).map((group) => {
        const endpoint = group[0] ?? { host: target.host, port: 0, service: 'telnet' as ServiceKind };
        const list = credentialsFor({
          service: endpoint.service,
          ...(options.maker ? { maker: options.maker.credentials.filter((_, i) => [undefined, endpoint.service].includes(options.maker?.services[i])) } : {}),
          ...(options.makerOnly ? { makerOnly: true } : {}),
        });
        return { given: target.given, endpoint, alternatives: group.slice(1).map((e) => e.service), credentials: Math.min(list.length, limits.attemptsPerService - 1), firstCredentials: list.slice(0, 5) };
      }),
    ),
  };
}

export { where };

// Our probe against hydra over a network of simulated devices (bench/probe-devices.ts, in a
// process of its own): telnet, HTTP Basic, FTP, RTSP and SSH on 127.0.7.x, a tenth of them with a
// default pair of the shared list. Both tools get the same list (hydra's -C format) and stop at
// the first login per service. Printed: both wall times, the ratio, the logins each found against
// the truth the devices printed, and whether ours is at least as fast with the same findings.
// Run: npx node --import tsx bench/probe-sweep.ts [devices=250] [--fail-delay MS] [--concurrency N] [--telnet-ttype] [--no-polite] [--no-latency] [--keep]
// --concurrency is ours (default 64, the CLI's default); hydra keeps -T 64 per invocation.
// Needs hydra (Debian package hydra, 9.4) and ssh-keygen. The runs go one after the other, never
// side by side; the machine should be otherwise quiet, so run it twice and compare.
//
// hydra is run as a user would script it: one invocation per service, all at once, each with
// `-C list -M hosts-<service>.txt` (host:port lines), -f (stop at the first login per host, as
// the probe does), -t 4 tasks per host and -T 64 tasks per invocation, -I (no restore prompt).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { miraiCredentials } from '../src/probe/credentials.ts';
import { protocols } from '../src/probe/index.ts';
import { contextFor } from '../src/probe/net.ts';
import type { Credential, ServiceKind } from '../src/probe/types.ts';
import type { DeviceInfo, DeviceService, Pair } from './probe-devices.ts';

const LIST_SIZE = 30;
const SERVICES: readonly DeviceService[] = ['telnet', 'http', 'ftp', 'rtsp', 'ssh'];
/** hydra's module for each service, and the module option it needs. */
const HYDRA_MODULE: Record<DeviceService, { module: string; option?: string }> = {
  telnet: { module: 'telnet' },
  http: { module: 'http-get', option: '/' },
  ftp: { module: 'ftp' },
  rtsp: { module: 'rtsp' },
  ssh: { module: 'ssh' },
};
const RUN_BOUND_MS = 6 * 60_000;
/** The whole sweep, whatever happens: everything started is killed after this. */
const SWEEP_BOUND_MS = 25 * 60_000;

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string): boolean => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const valueOf = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const failDelay = valueOf('--fail-delay');
const concurrency = Number(valueOf('--concurrency') ?? 64);
const polite = !flag('--no-polite');
// The telnet simulator's own opening (with a TTYPE subnegotiation) instead of BusyBox's: hydra 9.4 stalls on it.
const telnetTtype = flag('--telnet-ttype');
const latency = !flag('--no-latency');
// Keeps the work directory (lists, hydra's and our outputs) for a look afterwards.
const keep = flag('--keep');
const deviceCount = Number(args[0] ?? 250);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
  console.error(`--concurrency takes 1 to 1024; got ${concurrency}`);
  process.exit(2);
}
if (!Number.isInteger(deviceCount) || deviceCount < 1 || deviceCount > 2000) {
  console.error(`devices must be a whole number from 1 to 2000; got ${args[0]}`);
  process.exit(2);
}

// --- child processes: all tracked, all killed on the way out ---------------------------------------

const children = new Set<{ child: ChildProcess; group: boolean }>();

function kill(entry: { child: ChildProcess; group: boolean }, signal: NodeJS.Signals): void {
  const pid = entry.child.pid;
  if (pid === undefined || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
  try {
    // hydra forks a process per task: its own process group, killed as one.
    if (entry.group) process.kill(-pid, signal);
    else entry.child.kill(signal);
  } catch {
    // Already gone.
  }
}

function killAll(): void {
  for (const entry of children) kill(entry, 'SIGKILL');
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.error(`probe-sweep: still running after ${SWEEP_BOUND_MS / 60_000} minutes; stopping everything`);
  killAll();
  process.exit(3);
}, SWEEP_BOUND_MS);
watchdog.unref();

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const MAX_CAPTURE = 8 * 1024 * 1024;

function run(command: string, argv: readonly string[], options: { cwd: string; timeoutMs: number; group?: boolean }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const group = options.group ?? false;
    const child = spawn(command, argv, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    const entry = { child, group };
    children.add(entry);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (c: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += c.toString('utf8');
    });
    child.stderr?.on('data', (c: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      kill(entry, 'SIGTERM');
      setTimeout(() => kill(entry, 'SIGKILL'), 2000).unref();
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(entry);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // hydra's children may outlive it for a moment; the group goes with it.
      if (group) kill(entry, 'SIGKILL');
      children.delete(entry);
      resolve({ code, stdout, stderr, ms: performance.now() - started, timedOut });
    });
  });
}

// --- the devices -------------------------------------------------------------------------------

interface Devices {
  list: DeviceInfo[];
  stop(): void;
}

function startDevices(count: number, listFile: string): Promise<Devices> {
  return new Promise((resolve, reject) => {
    const argv = ['--import', 'tsx', path.join(root, 'bench', 'probe-devices.ts'), String(count), listFile, '--lifetime', String(SWEEP_BOUND_MS / 1000 + 60)];
    if (failDelay !== undefined) argv.push('--fail-delay', failDelay);
    if (telnetTtype) argv.push('--telnet-ttype');
    // stdin stays open: the devices stop when it closes, that is when this process ends.
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    const entry = { child, group: false };
    children.add(entry);
    let out = '';
    const timer = setTimeout(() => {
      kill(entry, 'SIGKILL');
      reject(new Error('the devices did not start within 120 s'));
    }, 120_000);
    child.on('exit', (code) => {
      children.delete(entry);
      clearTimeout(timer);
      reject(new Error(`the device process exited (${code}) before listing its devices`));
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const list = JSON.parse(out.slice(0, nl)) as DeviceInfo[];
      resolve({
        list,
        stop: () => {
          child.stdin.end();
          kill(entry, 'SIGTERM');
        },
      });
    });
  });
}

// --- findings ----------------------------------------------------------------------------------

/** One login, as a comparable key: "telnet 127.0.7.10:2323 root:xc3511". */
const keyOf = (service: string, host: string, port: number, username: string, password: string): string => `${service} ${host}:${port} ${username}:${password}`;

interface HydraRun {
  service: DeviceService;
  ran: Ran;
  logins: string[];
  notes: string[];
}

async function runHydra(service: DeviceService, hosts: DeviceInfo[], work: string, listFile: string, tasksPerHost: number): Promise<HydraRun> {
  const hostsFile = path.join(work, `hosts-${service}.txt`);
  fs.writeFileSync(hostsFile, hosts.map((d) => `${d.host}:${d.port}\n`).join(''));
  const outFile = path.join(work, `hydra-${service}-${tasksPerHost}.json`);
  fs.rmSync(outFile, { force: true });
  const { module, option } = HYDRA_MODULE[service];
  const argv = ['-C', listFile, '-M', hostsFile, '-f', '-t', String(tasksPerHost), '-T', '64', '-I', '-o', outFile, '-b', 'json', ...(option ? ['-m', option] : []), module];
  const ran = await run('hydra', argv, { cwd: work, timeoutMs: RUN_BOUND_MS, group: true });
  const logins = new Set<string>();
  const addFound = (host: string, port: number, login: string, password: string): void => {
    logins.add(keyOf(service, host, port, login, password));
  };
  try {
    const parsed = JSON.parse(fs.readFileSync(outFile, 'utf8')) as { results?: { host: string; port: number; login: string; password: string }[] };
    for (const r of parsed.results ?? []) addFound(r.host, r.port, r.login, r.password);
  } catch {
    // A hydra that was killed leaves the JSON unfinished; its screen output says the same.
  }
  for (const m of ran.stdout.matchAll(/^\[(\d+)\]\[[\w-]+\] host: (\S+)\s+login: (.*?)\s{3}password: (.*)$/gm)) {
    addFound(m[2] ?? '', Number(m[1]), m[3] ?? '', m[4] ?? '');
  }
  const notes = [...`${ran.stdout}\n${ran.stderr}`.matchAll(/^\[(?:ERROR|WARNING)\][^\n]*/gm)].map((m) => m[0].replace(/child \d+/, 'child N').replace(/pid \d+/, 'pid N'));
  if (ran.timedOut) notes.push(`[bench] killed after ${RUN_BOUND_MS / 1000} s`);
  return { service, ran, logins: [...logins], notes };
}

interface OursJson {
  durationMs: number;
  interrupted: boolean;
  services: {
    endpoint: { host: string; port: number; service: string };
    state: string;
    stop?: string;
    attempts: { outcome: string }[];
    logins: { credential: { username: string; password: string } }[];
    problems: string[];
    durationMs: number;
  }[];
}

interface OursRun {
  ran: Ran;
  report: OursJson | undefined;
  logins: string[];
  notes: string[];
}

async function runOurs(devices: DeviceInfo[], work: string, listFile: string, delayMs: number): Promise<OursRun> {
  const outFile = path.join(work, `ours-delay${delayMs}.json`);
  fs.rmSync(outFile, { force: true });
  const targets = devices.map((d) => `${d.service}://${d.host}:${d.port}`);
  const argv = [
    '--import',
    'tsx',
    path.join(root, 'src', 'cli.ts'),
    'probe',
    ...targets,
    '--credentials',
    listFile,
    '--only-credentials',
    '--delay',
    String(delayMs),
    '--concurrency',
    String(concurrency),
    '--timeout',
    '5000',
    '--time-limit',
    String(RUN_BOUND_MS / 1000 - 30),
    '--json',
    '--show-secrets',
    '--output',
    outFile,
  ];
  const ran = await run(process.execPath, argv, { cwd: root, timeoutMs: RUN_BOUND_MS });
  let report: OursJson | undefined;
  try {
    report = JSON.parse(fs.readFileSync(outFile, 'utf8')) as OursJson;
  } catch {
    report = undefined;
  }
  const logins: string[] = [];
  const notes: string[] = [];
  if (!report) notes.push(`no report (exit ${ran.code}): ${ran.stderr.slice(0, 400)}`);
  for (const s of report?.services ?? []) {
    for (const l of s.logins) logins.push(keyOf(s.endpoint.service, s.endpoint.host, s.endpoint.port, l.credential.username, l.credential.password));
    if (s.state !== 'tested' || (s.stop !== 'login-found' && s.stop !== 'list-exhausted')) {
      notes.push(`${s.endpoint.service}://${s.endpoint.host}:${s.endpoint.port}: ${s.state}${s.stop ? `, ${s.stop}` : ''}${s.problems[0] ? ` (${s.problems[0]})` : ''}`);
    }
  }
  if (report?.interrupted) notes.push('the probe hit its time limit');
  return { ran, report, logins, notes };
}

// --- per-attempt latency, one attempt at a time ------------------------------------------------

interface Latency {
  service: DeviceService;
  detectMs: number;
  wrongMs: number[];
  rightMs: number[];
  hydraPerTryMs: number | undefined;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};

async function measureLatency(devices: DeviceInfo[], work: string, listFile: string, pairs: Pair[]): Promise<Latency[]> {
  const out: Latency[] = [];
  for (const service of SERVICES) {
    const plain = devices.find((d) => d.service === service && d.accepts === null);
    const weak = devices.find((d) => d.service === service && d.accepts !== null);
    if (!plain) continue;
    const ctx = contextFor({ timeoutMs: 5000, hosts: [plain.host, ...(weak ? [weak.host] : [])] });
    const probe = protocols[service as ServiceKind];
    const endpoint = { host: plain.host, port: plain.port, service: service as ServiceKind };
    let t = performance.now();
    const detection = await probe.detect(endpoint, ctx);
    const detectMs = performance.now() - t;
    const wrongMs: number[] = [];
    for (const pair of pairs.slice(0, 10)) {
      const credential: Credential = { ...pair, source: 'bench' };
      t = performance.now();
      const result = await probe.attempt(endpoint, detection, credential, ctx);
      wrongMs.push(performance.now() - t);
      if (result.outcome !== 'rejected') console.log(`  (latency: ${service} wrong pair gave ${result.outcome}: ${result.detail})`);
    }
    const rightMs: number[] = [];
    if (weak?.accepts) {
      const weakEndpoint = { host: weak.host, port: weak.port, service: service as ServiceKind };
      const weakDetection = await probe.detect(weakEndpoint, ctx);
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        const result = await probe.attempt(weakEndpoint, weakDetection, { ...weak.accepts, source: 'bench' }, ctx);
        rightMs.push(performance.now() - t);
        if (result.outcome !== 'success') console.log(`  (latency: ${service} right pair gave ${result.outcome}: ${result.detail})`);
      }
    }
    // hydra with one task on the same device: its time per try, start-up included (small).
    const h = await runHydra(service, [plain], work, listFile, 1);
    const hydraPerTryMs = h.ran.timedOut ? undefined : h.ran.ms / pairs.length;
    out.push({ service, detectMs, wrongMs, rightMs, hydraPerTryMs });
  }
  return out;
}

// --- main --------------------------------------------------------------------------------------

function diff(found: readonly string[], truth: readonly string[]): { falsePositives: string[]; falseNegatives: string[] } {
  const f = new Set(found);
  const t = new Set(truth);
  return { falsePositives: [...f].filter((k) => !t.has(k)).sort(), falseNegatives: [...t].filter((k) => !f.has(k)).sort() };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-sweep-'));
  const listFile = path.join(work, 'combo.txt');
  const pairs: Pair[] = miraiCredentials()
    .slice(0, LIST_SIZE)
    .map((c) => ({ username: c.username, password: c.password }));
  if (pairs.some((p) => p.username.includes(':') || /[\r\n]/.test(p.username + p.password))) throw new Error('a pair cannot be written in hydra -C format');
  fs.writeFileSync(listFile, pairs.map((p) => `${p.username}:${p.password}\n`).join(''));

  console.log(`probe-sweep: ${deviceCount} devices, ${pairs.length} pairs (the first ${LIST_SIZE} of Mirai's table), work dir ${work}`);
  const devices = await startDevices(deviceCount, listFile);
  try {
    const list = devices.list;
    const mix = countBy(list, (d) => d.service);
    const truth = list.filter((d) => d.accepts).map((d) => keyOf(d.service, d.host, d.port, d.accepts?.username ?? '', d.accepts?.password ?? ''));
    console.log(`device mix: ${SERVICES.map((s) => `${mix.get(s) ?? 0} ${s}`).join(', ')}; ${truth.length} accept a pair of the list${failDelay ? `; wrong credentials answered after ${failDelay} ms (not RTSP)` : ''}`);
    console.log(`hydra: ${(await run('hydra', ['-h'], { cwd: work, timeoutMs: 10_000 })).stdout.match(/Hydra v[\d.]+/)?.[0] ?? 'version unknown'}; our CLI under Node ${process.versions.node}`);

    let latencies: Latency[] = [];
    if (latency) {
      // Also warms every device's code paths, so neither timed run below meets cold devices.
      console.log('\nmeasuring single-attempt latency (one at a time, one device per service)…');
      latencies = await measureLatency(list, work, listFile, pairs);
    }

    console.log(`\nrun 1: ours (--delay 0 --concurrency ${concurrency})…`);
    const ours = await runOurs(list, work, listFile, 0);
    console.log('run 2: hydra, one invocation per service, all at once…');
    const hydraStarted = performance.now();
    const hydraRuns = await Promise.all(
      SERVICES.map((s) => ({ s, hosts: list.filter((d) => d.service === s) }))
        .filter(({ hosts }) => hosts.length > 0)
        .map(({ s, hosts }) => runHydra(s, hosts, work, listFile, 4)),
    );
    const hydraMs = performance.now() - hydraStarted;
    let politeRun: OursRun | undefined;
    if (polite) {
      console.log('run 3 (for information): ours with the default politeness (--delay 100)…');
      politeRun = await runOurs(list, work, listFile, 100);
    }

    const hydraLogins = hydraRuns.flatMap((h) => h.logins);
    const oursMs = ours.ran.ms;
    const ratio = oursMs / hydraMs;
    const vsHydra = diff(ours.logins, hydraLogins);
    const oursVsTruth = diff(ours.logins, truth);
    const hydraVsTruth = diff(hydraLogins, truth);
    const same = vsHydra.falseNegatives.length === 0 && vsHydra.falsePositives.length === 0;

    console.log(`\n=== ${deviceCount} devices: ${SERVICES.map((s) => `${mix.get(s) ?? 0} ${s}`).join(', ')}; ${pairs.length} pairs each`);
    console.log(`hydra  wall ${seconds(hydraMs)}  (${hydraRuns.map((h) => `${h.service} ${seconds(h.ran.ms)}${h.ran.timedOut ? ' KILLED' : ''}`).join(', ')})`);
    const inProcess = ours.report ? ` (probe itself ${seconds(ours.report.durationMs)}, the rest is Node/tsx start-up and the report)` : '';
    console.log(`ours   wall ${seconds(oursMs)}${inProcess}`);
    if (ours.report) {
      const slowest = new Map<string, number>();
      const attempts = new Map<string, number>();
      for (const s of ours.report.services) {
        slowest.set(s.endpoint.service, Math.max(slowest.get(s.endpoint.service) ?? 0, s.durationMs));
        attempts.set(s.endpoint.service, (attempts.get(s.endpoint.service) ?? 0) + s.attempts.length);
      }
      console.log(`       slowest service per kind: ${SERVICES.filter((s) => slowest.has(s)).map((s) => `${s} ${seconds(slowest.get(s) ?? 0)}`).join(', ')}; attempts: ${SERVICES.filter((s) => attempts.has(s)).map((s) => `${s} ${attempts.get(s)}`).join(', ')}`);
    }
    console.log(`ratio  ours/hydra = ${ratio.toFixed(2)}: ours is ${ratio <= 1 ? `${(1 / ratio).toFixed(2)}× faster` : `${ratio.toFixed(2)}× slower`}`);
    if (politeRun) {
      const r = politeRun.ran.ms / hydraMs;
      console.log(`(info) ours with --delay 100: wall ${seconds(politeRun.ran.ms)}, ${r <= 1 ? `${(1 / r).toFixed(2)}× faster` : `${r.toFixed(2)}× slower`} than hydra; ${politeRun.logins.length} logins${diff(politeRun.logins, truth).falseNegatives.length + diff(politeRun.logins, truth).falsePositives.length === 0 ? ', all correct' : ', NOT the truth'}`);
    }

    console.log(`\nexpected logins (${truth.length}):`);
    for (const k of [...truth].sort()) console.log(`  ${k}`);
    console.log(`hydra found ${new Set(hydraLogins).size}; ours found ${new Set(ours.logins).size}`);
    const show = (label: string, d: { falsePositives: string[]; falseNegatives: string[] }): void => {
      console.log(`${label}: ${d.falsePositives.length} false positive(s), ${d.falseNegatives.length} false negative(s)`);
      for (const k of d.falsePositives) console.log(`    + ${k}`);
      for (const k of d.falseNegatives) console.log(`    - ${k}`);
    };
    show('hydra against the truth', hydraVsTruth);
    show('ours against the truth', oursVsTruth);
    console.log(`same logins as hydra: ${same ? 'yes' : `no (${vsHydra.falsePositives.length} only ours, ${vsHydra.falseNegatives.length} only hydra)`}`);

    const hydraNotes = countBy(
      hydraRuns.flatMap((h) => h.notes.map((n) => `${h.service}: ${n}`)),
      (n) => n,
    );
    if (hydraNotes.size > 0) {
      console.log('hydra said:');
      for (const [n, c] of hydraNotes) console.log(`  ${c}× ${n}`);
    }
    if (ours.notes.length > 0) {
      console.log('ours: services not tested to the end:');
      for (const n of ours.notes.slice(0, 20)) console.log(`  ${n}`);
    }

    if (latencies.length > 0) {
      console.log('\nsingle-attempt latency, one at a time against one device (ours in this process; hydra -t 1 over the whole list, per try):');
      console.log('  service  detect   wrong pair (median / max)   right pair (median)   hydra per try');
      for (const l of latencies) {
        const f = (ms: number): string => (Number.isNaN(ms) ? '   —   ' : `${ms.toFixed(1).padStart(6)} ms`);
        console.log(`  ${l.service.padEnd(7)} ${f(l.detectMs)}  ${f(median(l.wrongMs))} / ${f(Math.max(...l.wrongMs))}        ${f(median(l.rightMs))}        ${l.hydraPerTryMs === undefined ? 'killed' : f(l.hydraPerTryMs)}`);
      }
    }

    const fast = oursMs <= hydraMs;
    const oursRight = oursVsTruth.falseNegatives.length === 0 && oursVsTruth.falsePositives.length === 0;
    console.log(
      `\nTARGET (ours ≤ hydra over the whole sweep, identical findings): ${fast && same ? 'MET' : 'NOT MET'} — time ${fast ? 'met' : 'not met'}, findings ${same ? 'identical' : 'differ'}${!same && oursRight ? ' (ours match the truth; the differences are hydra’s misses/errors above)' : ''}`,
    );
  } finally {
    devices.stop();
    if (keep) console.log(`\nwork directory kept: ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main()
  .then(() => {
    killAll();
    process.exit(0);
  })
  .catch((error: unknown) => {
    console.error(`probe-sweep: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killAll();
    process.exit(1);
  });

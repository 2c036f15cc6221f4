// Tries likely passwords against the password hashes found in a firmware image. A hash that
// falls to a default or common password is proof of a universal, guessable credential
// (psti.s1.1.3d, etsi.5.1-1); one that does not fall is still the same on every unit, and the
// inspectors report it as such, only without the plaintext.
//
// The work is spread over worker threads (crack-worker.ts) so both cores of a build machine crack
// at once. The candidate list is sent to each worker once; after that the
// main thread hands out small slices of it per hash, sized by the scheme's cost to take about 50
// ms, so one slow bcrypt does not hold up a fast md5crypt, a match stops the hash's other slices,
// and the deadline is never overrun by more than one slice.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { commonPasswords, defaultCredentials } from '../../passwords/index.ts';
import { clearCaches, runTask, WORKER_ROLE, type Task, type TaskResult, type WorkerMessage } from './crack-worker.ts';
import { identifyHash, type HashIdentity, type HashScheme } from './identify.ts';

export interface CrackTarget {
  account: string;
  hash: string;
}

export type CrackOutcome = 'cracked' | 'exhausted' | 'deadline' | 'capped' | 'not-checkable';

export interface CrackResult {
  account: string;
  hash: string;
  scheme: HashScheme;
  /** The plaintext when a candidate matched, else null. */
  password: string | null;
  /** Candidates actually hashed against this hash. */
  tried: number;
  outcome: CrackOutcome;
  /** Why no password was found (for every outcome but 'cracked'). */
  reason?: string;
}

export interface CrackOptions {
  /** Epoch milliseconds after which no more candidates are tried. */
  deadline: number;
  /** Most candidates per hash, account-derived ones included. */
  maxCandidatesPerHash?: number;
  /**
   * Worker threads to use; 0 cracks on this thread. Defaults to the machine's parallelism, except
   * that work small enough to finish in well under a second stays on this thread (starting a
   * worker costs more than it saves there).
   */
  workers?: number;
}

// Passwords vendors pick when they pick by hand; most are in the bundled lists too, and coming
// first puts them before the long tail.
const VENDOR_PATTERNS = ['admin', '1234', '12345', '123456', 'password', 'root', 'default', 'support', 'user', 'guest', 'pass', 'changeme', '0000', '1111', '888888', '666666', 'admin123', 'admin1234', 'root123', 'toor', 'ubnt', 'service', 'system', 'test', 'private', 'public'];

let sharedList: string[] | undefined;

/**
 * The bundled word list in the order it is tried: the default-credential passwords (the Mirai
 * table first, as data/default-credentials.csv orders it, case kept), the vendor patterns, then
 * the common-password list; each word once.
 */
export function crackCandidates(): string[] {
  if (sharedList) return sharedList;
  const seen = new Set<string>();
  const list: string[] = [];
  const add = (word: string): void => {
    if (!seen.has(word)) {
      seen.add(word);
      list.push(word);
    }
  };
  for (const row of defaultCredentials()) add(row.password);
  for (const word of VENDOR_PATTERNS) add(word);
  for (const word of commonPasswords()) add(word);
  sharedList = list;
  return list;
}

/**
 * What is tried first for one account: the empty password, the name itself, reversed, doubled,
 * capitalised and with common suffixes, then the bundled defaults listed for that user name.
 */
export function accountCandidates(account: string): string[] {
  const name = account.trim();
  const words = [''];
  if (name) {
    const reversed = [...name].reverse().join('');
    const capitalised = name.charAt(0).toUpperCase() + name.slice(1);
    words.push(name, reversed, capitalised, name.toUpperCase(), name + name, `${name}1`, `${name}12`, `${name}123`, `${name}1234`, `${name}!`, `${name}@123`);
    const lower = name.toLowerCase();
    for (const row of defaultCredentials()) if (row.username.toLowerCase() === lower) words.push(row.password);
  }
  return [...new Set(words)];
}

// Candidates per second on one core, measured on the 2-core build machine (bench/crack-speed.ts);
// only used to size the slices.
function ratePerCore(identity: HashIdentity): number {
  switch (identity.scheme) {
    case 'descrypt':
      return 100_000;
    case 'apache-sha1':
      return 500_000;
    case 'md5crypt':
    case 'apr1':
      return 15_000;
    case 'sha256crypt':
    case 'sha512crypt':
      return (300 * 5000) / (identity.cost ?? 5000);
    case 'bcrypt':
      return 600 / 2 ** ((identity.cost ?? 10) - 5);
    case 'yescrypt':
    case 'scrypt':
      // About 6 a second per core at Debian's default, where 22 MiB pass through the mixing step.
      return Math.max(0.05, (6 * 22 * 2 ** 20) / (identity.cost ?? 22 * 2 ** 20));
    default:
      return 1;
  }
}

/**
 * Schemes slow by design (yescrypt, scrypt, costly bcrypt) get about a core-minute per hash: the
 * account-derived guesses and the head of the list (Mirai, vendor defaults), the likeliest by far,
 * rather than a scan that runs until its deadline.
 */
function slowSchemeCap(identity: HashIdentity): number {
  const rate = ratePerCore(identity);
  return rate >= 50 ? Number.POSITIVE_INFINITY : Math.max(100, Math.ceil(rate * 60));
}

/** Runs tasks somewhere: on worker threads, or on this thread. */
interface Executor {
  slots: number;
  run(task: Task): Promise<TaskResult>;
  close(): Promise<void>;
}

function inlineExecutor(shared: readonly string[]): Executor {
  return {
    slots: 1,
    run: (task) =>
      // A macrotask between slices keeps timers and I/O of the rest of the process moving.
      new Promise((resolve) => setImmediate(() => resolve(runTask(task, shared)))),
    close: async () => {
      clearCaches();
    },
  };
}

async function workerExecutor(count: number, shared: string[]): Promise<Executor | null> {
  // Node 22 needs the flag to load TypeScript; 23.6+ strips types by default; under tsx the
  // parent's --import is inherited. Inheriting is left to Node unless a flag must be added: an
  // explicit execArgv copied from a `node --test` child (which carries the runner's own flags)
  // stops the worker from starting.
  const features = process.features as { typescript?: string | false };
  const loadsTypeScript = Boolean(features.typescript) || process.execArgv.some((a) => a.includes('tsx'));
  const options = loadsTypeScript ? {} : { execArgv: [...process.execArgv, '--experimental-strip-types'] };
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('./crack-worker.ts', import.meta.url), { workerData: { role: WORKER_ROLE }, ...options });
      worker.postMessage({ type: 'words', words: shared } satisfies WorkerMessage);
      workers.push(worker);
    }
  } catch {
    await Promise.all(workers.map((w) => w.terminate()));
    return null;
  }
  // A worker that fails (it could not load, or crashed) leaves the pool; its slice, and any
  // later one when no worker is left, runs on this thread instead, so a crack never fails for
  // want of threads.
  const alive = new Set(workers);
  const idle = [...workers];
  const waiting: ((w: Worker | null) => void)[] = [];
  const pending = new Map<number, { resolve: (r: TaskResult) => void; reject: (e: Error) => void; worker: Worker }>();
  const release = (worker: Worker): void => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  for (const worker of workers) {
    worker.on('message', (result: TaskResult) => {
      const entry = pending.get(result.id);
      pending.delete(result.id);
      release(worker);
      entry?.resolve(result);
    });
    worker.on('error', (error) => {
      alive.delete(worker);
      for (const [id, entry] of pending) {
        if (entry.worker === worker) {
          pending.delete(id);
          entry.reject(error);
        }
      }
      if (alive.size === 0) for (const wake of waiting.splice(0)) wake(null);
    });
  }
  const acquire = (): Promise<Worker | null> => {
    if (alive.size === 0) return Promise.resolve(null);
    const worker = idle.shift();
    if (worker) return alive.has(worker) ? Promise.resolve(worker) : acquire();
    return new Promise((resolve) => waiting.push(resolve));
  };
  return {
    slots: count,
    run: async (task) => {
      const worker = await acquire();
      if (!worker) return runTask(task, shared);
      try {
        return await new Promise<TaskResult>((resolve, reject) => {
          pending.set(task.id, { resolve, reject, worker });
          worker.postMessage({ type: 'task', task } satisfies WorkerMessage);
        });
      } catch {
        return runTask(task, shared);
      }
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
      clearCaches();
    },
  };
}

interface Job {
  hash: string;
  identity: HashIdentity;
  accounts: string[];
  prefix: string[];
  prefixDone: boolean;
  next: number;
  tried: number;
  inFlight: number;
  found: string | null;
  cap: number;
  chunk: number;
  stoppedByDeadline: boolean;
  capped: boolean;
}

function planJobs(targets: readonly CrackTarget[], cap: number): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (const { account, hash } of targets) {
    let job = jobs.get(hash);
    if (!job) {
      const identity = identifyHash(hash);
      job = {
        hash,
        identity,
        accounts: [],
        prefix: [],
        prefixDone: false,
        next: 0,
        tried: 0,
        inFlight: 0,
        found: null,
        cap: Math.min(cap, slowSchemeCap(identity)),
        chunk: Math.max(1, Math.round(ratePerCore(identity) * 0.05)),
        stoppedByDeadline: false,
        capped: false,
      };
      jobs.set(hash, job);
    }
    // One hash shared by several accounts (shadow and its backup, or two users) is cracked once,
    // with every account's own guesses.
    job.accounts.push(account);
    job.prefix = [...new Set([...job.prefix, ...accountCandidates(account)])];
  }
  return jobs;
}

function resultFor(job: Job, account: string, sharedLength: number): CrackResult {
  const base = { account, hash: job.hash, scheme: job.identity.scheme, tried: job.tried };
  if (!job.identity.checkable) {
    return { ...base, password: null, outcome: 'not-checkable', reason: `${job.identity.label}: ${job.identity.reason ?? 'cannot be checked here'}` };
  }
  if (job.found !== null) return { ...base, password: job.found, outcome: 'cracked' };
  if (job.stoppedByDeadline) {
    return { ...base, password: null, outcome: 'deadline', reason: `the time allowed ran out after ${job.tried} candidates (${job.identity.label})` };
  }
  if (job.capped) {
    const slow = job.cap === slowSchemeCap(job.identity);
    return {
      ...base,
      password: null,
      outcome: 'capped',
      reason: slow
        ? `no match in the ${job.tried} likeliest candidates: ${job.identity.label} is slow by design, so the rest of the list is not tried (check it on a build host with John the Ripper or hashcat)`
        : `no match in the first ${job.tried} candidates (the limit per hash)`,
    };
  }
  return { ...base, password: null, outcome: 'exhausted', reason: `no match among ${job.tried} candidates (account-derived guesses and ${sharedLength} bundled default and common passwords)` };
}

/**
 * Tries, for each hash, the account-derived guesses and then `candidates` (by default
 * crackCandidates()), stopping at the first match, at maxCandidatesPerHash, or at the deadline.
 * Results come back in the order of `hashes`. A hash that cannot be checked here (yescrypt) is
 * reported with outcome 'not-checkable' and its reason, never as a miss.
 */
export async function crackHashes(hashes: readonly CrackTarget[], candidates: Iterable<string>, opts: CrackOptions): Promise<CrackResult[]> {
  const shared = Array.isArray(candidates) ? (candidates as string[]) : [...candidates];
  const cap = opts.maxCandidatesPerHash ?? Number.POSITIVE_INFINITY;
  const jobs = planJobs(hashes, cap);
  const runnable = [...jobs.values()].filter((j) => j.identity.checkable);

  // Seconds of single-core work if nothing matches; small jobs stay on this thread.
  const work = runnable.reduce((sum, j) => sum + Math.min(cap, j.prefix.length + shared.length) / ratePerCore(j.identity), 0);
  const wanted = opts.workers ?? (work < 0.5 ? 0 : availableParallelism());
  const executor = (wanted > 0 && runnable.length > 0 ? await workerExecutor(wanted, shared) : null) ?? inlineExecutor(shared);

  let nextId = 0;
  // Next slice of a job, or null when it has nothing left to hand out.
  const nextTask = (job: Job): Task | null => {
    if (job.found !== null) return null;
    const remaining = !job.prefixDone || job.next < shared.length;
    if (!remaining) return null;
    if (Date.now() > opts.deadline) {
      job.stoppedByDeadline = true;
      return null;
    }
    const budget = job.cap - job.tried - job.inFlight * job.chunk;
    if (budget <= 0) {
      if (job.inFlight === 0) job.capped = true;
      return null;
    }
    if (!job.prefixDone) {
      job.prefixDone = true;
      const words = job.prefix.slice(0, Math.min(job.prefix.length, budget));
      return { id: nextId++, hash: job.hash, words, start: 0, end: words.length, exclude: [], deadline: opts.deadline };
    }
    if (job.next >= shared.length) return null;
    const start = job.next;
    const end = Math.min(shared.length, start + Math.min(job.chunk, budget));
    job.next = end;
    return { id: nextId++, hash: job.hash, start, end, exclude: job.prefix, deadline: opts.deadline };
  };

  try {
    // Slots pull the next slice round-robin over the hashes, so every hash progresses and the
    // account-derived guesses (the likeliest) of all hashes go first.
    let turn = 0;
    const pick = (): { job: Job; task: Task } | null => {
      for (let n = 0; n < runnable.length; n++) {
        const job = runnable[(turn + n) % runnable.length];
        if (!job) continue;
        const task = nextTask(job);
        if (task) {
          turn = (turn + n + 1) % runnable.length;
          return { job, task };
        }
      }
      return null;
    };
    const slot = async (): Promise<void> => {
      for (let picked = pick(); picked; picked = pick()) {
        const { job, task } = picked;
        job.inFlight++;
        const result = await executor.run(task);
        job.inFlight--;
        job.tried += result.tried;
        if (result.found !== null && job.found === null) job.found = result.found;
        if (result.expired) job.stoppedByDeadline = true;
      }
    };
    await Promise.all(Array.from({ length: executor.slots }, slot));
  } finally {
    await executor.close();
  }

  return hashes.map(({ account, hash }) => {
    const job = jobs.get(hash);
    if (!job) throw new Error('unreachable: every hash has a job');
    return resultFor(job, account, shared.length);
  });
}

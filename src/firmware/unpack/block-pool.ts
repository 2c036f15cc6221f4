// Decodes many SquashFS blocks at once: on this thread and on worker threads (block-worker.ts)
// together, while Unpacker.unpack() stays synchronous. The reader queues the compressed blocks it
// meets (BlockQueue); full batches go to the workers while it is still reading the image's
// tables, and once it has met every block this thread claims blocks from the same shared counters
// as the workers, then blocks in Atomics.wait for the ones they claimed.
//
// The workers start lazily, the first time an image has enough compressed data to pay for them,
// are unref'd (they never keep the process alive) and stop after a while unused. Nothing here
// can change what an image reads as: a block a worker could not decode, or did not finish in
// time, is decoded again on this thread, so its problem is worded as without workers; a pool that
// cannot start leaves all the work to this thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  DECODED,
  decodeBlock,
  EXPECTED,
  FINISHED,
  HEADER,
  IN_LENGTH,
  IN_START,
  LENGTH,
  MAX_OUTPUT,
  NEXT,
  OUT_START,
  PENDING,
  ROW,
  STATUS,
  TAKEN_BACK,
  WORKER_ROLE,
  type Batch,
  type BlockCompression,
} from './block-worker.ts';

export interface BlockPoolSettings {
  /** Worker threads besides this one; 0 decodes everything here. */
  workers: number;
  /** Compressed bytes below which a queue is decoded here only (a worker takes ~0.1 s to load). */
  minimumBytes: number;
}

/** Tunable by tests and benchmarks, which compare the two paths. */
export const blockPoolSettings: BlockPoolSettings = {
  // A few at most: past that this thread's own share (reading the tables, copying the workers'
  // blocks out) is what takes the time.
  workers: Math.max(0, Math.min(3, availableParallelism() - 1)),
  minimumBytes: 4 * 1024 * 1024,
};

/**
 * Blocks decoded so far on each side, and blocks a worker could not decode (or did not finish)
 * decoded again here, so a test can tell which path was taken.
 */
export const blockPoolStatistics = { byWorkers: 0, here: 0, retriedHere: 0 };

/**
 * Output bytes per batch, and batches posted ahead: together they bound the shared memory held
 * beside the files' own buffers (at most four batches' buffers of 8 MiB in and 8 MiB out, of
 * which only the input and the workers' share are ever touched).
 */
const BATCH_OUTPUT = 8 * 1024 * 1024;
const BATCHES_AHEAD = 3;
/**
 * How long this thread waits for a worker that makes no progress before decoding its blocks
 * itself: a block is at most 1 MiB and decodes in tens of milliseconds, so a worker this late has
 * died (out of memory, say) or the machine is starved.
 */
const STALL_MS = 2000;
const IDLE_MS = 30_000;
/** Pools that failed (a worker that would not load, or stalled) before workers are given up on. */
const MAX_FAILURES = 2;

interface Pool {
  workers: Worker[];
  ready: Promise<boolean>;
}

let pool: Pool | null = null;
let failures = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

function stopPool(): void {
  const stopping = pool;
  pool = null;
  clearTimeout(idleTimer);
  for (const worker of stopping?.workers ?? []) worker.terminate().catch(() => undefined);
}

function startPool(): Pool | null {
  if (pool) return pool;
  const count = blockPoolSettings.workers;
  if (count <= 0 || failures >= MAX_FAILURES) return null;
  // Node 22 needs a flag to load TypeScript; 23.6+ strips types by default, and a tsx --import is
  // inherited. Inheriting is left to Node unless a flag must be added: an explicit execArgv is
  // checked, and node --test's children carry per-process flags a worker refuses.
  const features = process.features as { typescript?: string | false };
  const loadsTypeScript = Boolean(features.typescript) || process.execArgv.some((a) => a.includes('tsx'));
  const options = loadsTypeScript ? {} : { execArgv: [...process.execArgv, '--experimental-strip-types'] };
  const workers: Worker[] = [];
  const readiness: Promise<boolean>[] = [];
  const started: Pool = { workers, ready: Promise.resolve(false) };
  try {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL('./block-worker.ts', import.meta.url), { workerData: { role: WORKER_ROLE }, ...options });
      worker.unref();
      readiness.push(
        new Promise((resolve) => {
          worker.once('message', () => resolve(true));
          worker.once('exit', () => resolve(false));
        }),
      );
      // A worker that fails to load or crashes takes the pool down; the next large image starts
      // another, until MAX_FAILURES. Meanwhile every block it would have taken is decoded here.
      worker.on('error', () => {
        failures++;
        if (pool === started) stopPool();
      });
      worker.on('exit', () => {
        if (pool === started) stopPool();
      });
      workers.push(worker);
    }
  } catch {
    failures++;
    for (const worker of workers) worker.terminate().catch(() => undefined);
    return null;
  }
  started.ready = Promise.all(readiness).then((all) => all.every(Boolean));
  pool = started;
  return pool;
}

/** Starts the workers now (they load while the rest of the image is read); false if there are none. */
export function warmBlockPool(): boolean {
  return startPool() !== null;
}

/** Resolves once every worker has loaded, true if they all did: for tests that need workers to take part. */
export function blockPoolReady(): Promise<boolean> {
  return startPool()?.ready ?? Promise.resolve(false);
}

export interface BlockJob {
  /** The compressed bytes. */
  input: Uint8Array;
  maxOutput: number;
  /** The exact size it decodes to, when the container says (data blocks); undefined for fragments. */
  expectedSize: number | undefined;
}

/**
 * Receives a block's outcome: `produce` returns its bytes, or throws just as decoding it on this
 * thread would. The bytes may be shared scratch memory that is reused later: copy what is kept.
 */
export type Settle = (produce: () => Uint8Array) => void;

/** A batch posted to the workers: jobs [first, end), its claim table and its shared buffers. */
interface InFlight {
  first: number;
  end: number;
  table: Int32Array<SharedArrayBuffer>;
  scratch: Scratch;
  /** The blocks this thread claimed (and settled as it decoded them). */
  mine: Uint8Array;
  claimedHere: number;
}

interface Scratch {
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
}

/**
 * Compressed blocks met while reading an image, each tagged with its owner, decoded together by
 * run(). Once there are enough of them, full batches are posted to the workers as they are
 * queued, so the workers decode while this thread is still reading the image's tables.
 */
export class BlockQueue<Owner> {
  private readonly compression: BlockCompression;
  private readonly jobs: BlockJob[] = [];
  private readonly settlers: Settle[] = [];
  private readonly owners: Owner[] = [];
  private compressedBytes = 0;
  /** Batches posted and not yet finished, oldest first. */
  private readonly inFlight: InFlight[] = [];
  /** The first job not yet in a batch, and the output bytes of the jobs from it on. */
  private unposted = 0;
  private unpostedBytes = 0;
  /** Buffers of finished batches, for the next ones: fresh shared memory would be paged in again, on both threads. */
  private readonly spare: Scratch[] = [];

  constructor(compression: BlockCompression) {
    this.compression = compression;
  }

  add(job: BlockJob, owner: Owner, settle: Settle): void {
    this.jobs.push(job);
    this.owners.push(owner);
    this.settlers.push(settle);
    const before = this.compressedBytes;
    this.compressedBytes += job.input.length;
    this.unpostedBytes += slotSize(job);
    const minimum = blockPoolSettings.minimumBytes;
    // Crossing the threshold while the tables are still being read lets the workers load meanwhile.
    if (before < minimum && this.compressedBytes >= minimum) warmBlockPool();
    if (pool && this.compressedBytes >= minimum && this.unpostedBytes >= BATCH_OUTPUT && this.inFlight.length < BATCHES_AHEAD) this.post(pool.workers);
  }

  /**
   * Decodes every queued block and hands each to its settle function, in no particular order.
   * Returns the owner of the first block (in queue order) left unsettled because the deadline
   * passed, or undefined when all were settled.
   */
  run(deadline: number): { stoppedAt: Owner } | undefined {
    const settled = new Uint8Array(this.jobs.length);
    const settle = (index: number, produce: () => Uint8Array): void => {
      settled[index] = 1;
      this.settlers[index]!(produce);
    };
    const parallel = this.compressedBytes >= blockPoolSettings.minimumBytes;
    let workers = (parallel ? startPool()?.workers : undefined) ?? [];
    try {
      for (;;) {
        while (this.inFlight.length > 0 && this.allDecoded(this.inFlight[0]!)) this.retire(this.inFlight.shift()!, settle);
        // Batches are kept posted ahead, so a worker done with one goes on to the next.
        while (workers.length > 0 && this.inFlight.length < BATCHES_AHEAD && this.unposted < this.jobs.length) this.post(workers);
        if (Date.now() > deadline) break;
        // This thread claims from whichever batch still has blocks unclaimed: it waits only when
        // none has, so a worker the machine has descheduled holds it up only at the very end.
        const open = this.inFlight.find((batch) => Atomics.load(batch.table, NEXT) < batch.end - batch.first);
        if (open) {
          const b = Atomics.add(open.table, NEXT, 1);
          if (b < open.end - open.first) {
            open.mine[b] = 1;
            open.claimedHere++;
            settle(open.first + b, this.decodeHere(open.first + b));
          }
          continue;
        }
        const oldest = this.inFlight[0];
        if (!oldest) {
          if (this.unposted < this.jobs.length) {
            const end = this.jobs.length;
            const first = this.unposted;
            this.unposted = end;
            this.runHere(first, end, settle, deadline);
          }
          break;
        }
        if (workers.length === 0) {
          this.retire(this.inFlight.shift()!, settle);
          continue;
        }
        const waited = this.waitForWorkers(oldest, deadline);
        if (waited === 'late') break;
        if (waited === 'stalled') {
          failures++;
          stopPool();
          workers = [];
        }
      }
    } finally {
      // However this ended (the deadline, an exception from a settle function), the workers
      // claim nothing more of this image.
      for (const batch of this.inFlight.splice(0)) Atomics.store(batch.table, NEXT, batch.end - batch.first);
      this.spare.length = 0;
    }
    if (parallel && pool) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(stopPool, IDLE_MS).unref();
    }
    const left = settled.indexOf(0);
    return left === -1 ? undefined : { stoppedAt: this.owners[left]! };
  }

  /** Whether every block of the batch is claimed and every block a worker claimed is published. */
  private allDecoded(batch: InFlight): boolean {
    const count = batch.end - batch.first;
    return Atomics.load(batch.table, NEXT) >= count && Atomics.load(batch.table, FINISHED) >= count - batch.claimedHere;
  }

  /**
   * Blocks until the workers have published every block they claimed in the batch, the deadline
   * passes, or they make no progress for STALL_MS.
   */
  private waitForWorkers(batch: InFlight, deadline: number): 'done' | 'stalled' | 'late' {
    const theirs = batch.end - batch.first - batch.claimedHere;
    let seen = Atomics.load(batch.table, FINISHED);
    let progressAt = Date.now();
    while (seen < theirs) {
      const now = Date.now();
      if (now > deadline) return 'late';
      if (now - progressAt > STALL_MS) return 'stalled';
      Atomics.wait(batch.table, FINISHED, seen, Math.min(deadline - now, STALL_MS - (now - progressAt)) + 1);
      const finished = Atomics.load(batch.table, FINISHED);
      if (finished !== seen) {
        seen = finished;
        progressAt = Date.now();
      }
    }
    return 'done';
  }

  /**
   * Settles the blocks the workers decoded in a fully claimed batch; any they have not published
   * (the workers are gone) is taken back and decoded here. Its buffers are reused only when no
   * worker can still write into them.
   */
  private retire(batch: InFlight, settle: (index: number, produce: () => Uint8Array) => void): void {
    const { first, table } = batch;
    const count = batch.end - first;
    Atomics.store(table, NEXT, count);
    const output = batch.scratch.output;
    let takenBack = false;
    for (let b = 0; b < count; b++) {
      if (batch.mine[b]) continue;
      const row = HEADER + b * ROW;
      // Taking back a block still pending means a late worker result is never published.
      const status = Atomics.compareExchange(table, row + STATUS, PENDING, TAKEN_BACK);
      if (status === DECODED) {
        blockPoolStatistics.byWorkers++;
        const view = new Uint8Array(output, table[row + OUT_START]!, table[row + LENGTH]!);
        settle(first + b, () => view);
      } else {
        takenBack ||= status === PENDING;
        blockPoolStatistics.retriedHere++;
        settle(first + b, this.decodeHere(first + b));
      }
    }
    if (!takenBack) this.spare.push(batch.scratch);
  }

  private decodeHere(index: number): () => Uint8Array {
    const job = this.jobs[index]!;
    return () => {
      blockPoolStatistics.here++;
      return decodeBlock(this.compression, job.input, job.maxOutput, job.expectedSize);
    };
  }

  /** Decodes jobs [first, end) on this thread alone, until the deadline. */
  private runHere(first: number, end: number, settle: (index: number, produce: () => Uint8Array) => void, deadline: number): void {
    for (let index = first; index < end && Date.now() <= deadline; index++) settle(index, this.decodeHere(index));
  }

  /** Posts the next batch of queued jobs (at least one, at most BATCH_OUTPUT bytes of output beyond the first). */
  private post(workers: Worker[]): void {
    const first = this.unposted;
    let end = first;
    let outputBytes = 0;
    let inputBytes = 0;
    while (end < this.jobs.length && (end === first || outputBytes + slotSize(this.jobs[end]!) <= BATCH_OUTPUT)) {
      outputBytes += slotSize(this.jobs[end]!);
      inputBytes += this.jobs[end]!.input.length;
      end++;
    }
    const count = end - first;
    // The table is never reused: a worker leaving a batch still claims from its table once more.
    const table = new Int32Array(new SharedArrayBuffer((HEADER + count * ROW) * 4));
    let scratch = this.spare.pop();
    if (!scratch || scratch.input.byteLength < inputBytes || scratch.output.byteLength < outputBytes) {
      scratch = { input: new SharedArrayBuffer(Math.max(inputBytes, BATCH_OUTPUT)), output: new SharedArrayBuffer(Math.max(outputBytes, BATCH_OUTPUT)) };
    }
    const input = new Uint8Array(scratch.input);
    let inAt = 0;
    let outAt = 0;
    for (let b = 0; b < count; b++) {
      const job = this.jobs[first + b]!;
      const row = HEADER + b * ROW;
      input.set(job.input, inAt);
      table[row + IN_START] = inAt;
      table[row + IN_LENGTH] = job.input.length;
      table[row + OUT_START] = outAt;
      table[row + MAX_OUTPUT] = job.maxOutput;
      table[row + EXPECTED] = job.expectedSize ?? -1;
      inAt += job.input.length;
      outAt += slotSize(job);
    }
    const batch: Batch = { compression: this.compression, table: table.buffer, input: scratch.input, output: scratch.output };
    for (const worker of workers) worker.postMessage(batch);
    this.inFlight.push({ first, end, table, scratch, mine: new Uint8Array(count), claimedHere: 0 });
    this.unposted = end;
    this.unpostedBytes -= outputBytes;
  }
}

function slotSize(job: BlockJob): number {
  return job.expectedSize ?? job.maxOutput;
}

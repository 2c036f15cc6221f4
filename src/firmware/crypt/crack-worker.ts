// One cracking thread. It imports only the hash schemes, never the word lists or the rest of the
// passwords domain (whose strength estimator takes about a second to load): the main thread
// sends the list once, then slices of work, and gets back how many were tried and any match.
// The same runTask serves the main thread when cracking stays in-thread.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkerFor } from './identify.ts';
import { md5CryptPairChecker } from './md5crypt.ts';

export interface Task {
  id: number;
  hash: string;
  /** Explicit words (the account-derived ones), or else a range of the shared list. */
  words?: string[];
  start: number;
  end: number;
  /** Words already tried from the account list, skipped in the shared range. */
  exclude: string[];
  deadline: number;
}

export interface TaskResult {
  id: number;
  tried: number;
  found: string | null;
  /** The deadline passed before the slice was done. */
  expired: boolean;
}

// Per-thread caches (clearCaches is exported so the in-thread executor can clear them): the engine for each hash is set up once per thread.
const checkers = new Map<string, (candidate: string) => boolean>();
const exclusions = new Map<string, Set<string>>();
// md5crypt and apr1 hash two candidates at once (about 1.5 times the rate of one at a time); null
// for the other schemes.
const pairCheckers = new Map<string, ((first: string, second: string) => number) | null>();

export function clearCaches(): void {
  checkers.clear();
  exclusions.clear();
  pairCheckers.clear();
}

export function runTask(task: Task, shared: readonly string[]): TaskResult {
  let check = checkers.get(task.hash);
  if (!check) {
    check = checkerFor(task.hash);
    checkers.set(task.hash, check);
  }
  // Only range slices carry the exclusions (the account guesses already tried); the explicit
  // account slice must not set the cache.
  let exclude = exclusions.get(task.hash);
  if (!exclude && !task.words) {
    exclude = new Set(task.exclude);
    exclusions.set(task.hash, exclude);
  }
  const words = task.words ?? shared;
  const start = task.words ? 0 : task.start;
  const end = task.words ? task.words.length : Math.min(task.end, shared.length);
  let pair = pairCheckers.get(task.hash);
  if (pair === undefined) {
    pair = md5CryptPairChecker(task.hash);
    pairCheckers.set(task.hash, pair);
  }
  let tried = 0;
  // With a pair checker a candidate waits here for the next one; `tried` counts up to the match
  // as if they had gone one at a time.
  let held: string | undefined;
  for (let i = start; i < end; i++) {
    const word = words[i] ?? '';
    if (exclude?.has(word) === true && !task.words) continue;
    if (pair !== null && held === undefined) {
      held = word;
      continue;
    }
    if (Date.now() > task.deadline) return { id: task.id, tried, found: null, expired: true };
    if (pair !== null && held !== undefined) {
      const hit = pair(held, word);
      if (hit === 0) return { id: task.id, tried: tried + 1, found: held, expired: false };
      tried += 2;
      if (hit === 1) return { id: task.id, tried, found: word, expired: false };
      held = undefined;
      continue;
    }
    tried++;
    if (check(word)) return { id: task.id, tried, found: word, expired: false };
  }
  if (held !== undefined) {
    if (Date.now() > task.deadline) return { id: task.id, tried, found: null, expired: true };
    tried++;
    if (check(held)) return { id: task.id, tried, found: held, expired: false };
  }
  return { id: task.id, tried, found: null, expired: false };
}

export interface WorkerMessage {
  type: 'words' | 'task';
  words?: string[];
  task?: Task;
}

export const WORKER_ROLE = 'connectable-crack-worker';

if (!isMainThread && parentPort && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  let shared: string[] = [];
  port.on('message', (message: WorkerMessage) => {
    if (message.type === 'words') shared = message.words ?? [];
    else if (message.task) port.postMessage(runTask(message.task, shared));
  });
}

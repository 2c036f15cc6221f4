// One cracking thread. It imports only the hash schemes, never the word lists or the rest of the
// passwords domain (whose strength estimator takes about a second to load): the main thread
// sends the list once, then slices of work, and gets back how many were tried and any match.
// The same runTask serves the main thread when cracking stays in-thread.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkerFor } from './identify.ts';

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

// Per-thread caches (exported so the in-thread executor can clear them): the engine for each hash is set up once per thread.
export const checkers = new Map<string, (candidate: string) => boolean>();
export const exclusions = new Map<string, Set<string>>();

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
  let tried = 0;
  for (let i = start; i < end; i++) {
    if (Date.now() > task.deadline) return { id: task.id, tried, found: null, expired: true };
    const word = words[i] ?? '';
    if (exclude?.has(word) === true && !task.words) continue;
    tried++;
    if (check(word)) return { id: task.id, tried, found: word, expired: false };
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

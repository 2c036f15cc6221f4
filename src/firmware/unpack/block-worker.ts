// One thread decoding SquashFS data blocks for block-pool.ts. It imports only the decoders, never
// the reader: the main thread hands it a batch of blocks in shared memory, and it claims blocks
// one at a time from the same counter the main thread claims from, so whoever is free takes the
// next block and a worker that is still loading (or has died) simply takes none.
//
// A batch lives in three SharedArrayBuffers: a table of Int32 (a header, then one row per block),
// the compressed input (the blocks packed end to end) and the output (one slot per block, as
// large as the block may decode to). A worker writes a block's bytes into its slot and only then
// publishes the outcome with a compare-and-swap, so the main thread reads a slot only once it is
// complete, and a block the main thread has taken back (it gave up on the worker) is never
// published.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { decompress } from './compression.ts';
import { decodeLz4Block } from './lz4.ts';

export type BlockCompression = 'gzip' | 'lzma' | 'lzo' | 'xz' | 'lz4' | 'zstd';

/**
 * Decodes one SquashFS block, on whichever thread. expectedSize (known for data blocks) lets the
 * decoder allocate once and makes any other length an error.
 */
export function decodeBlock(compression: BlockCompression, input: Uint8Array, maxOutput: number, expectedSize?: number): Uint8Array {
  if (compression === 'lz4') return decodeLz4Block(input, expectedSize ?? maxOutput);
  const options = expectedSize === undefined ? {} : { expectedSize };
  return decompress(compression === 'gzip' ? 'zlib' : compression, input, maxOutput, options);
}

// The table's header.
export const NEXT = 0; // the next block to claim (Atomics.add; past the count means nothing is left)
export const FINISHED = 1; // blocks a worker has published (Atomics.notify wakes the main thread)
export const HEADER = 4;

// One row per block.
export const IN_START = 0;
export const IN_LENGTH = 1;
export const OUT_START = 2;
export const MAX_OUTPUT = 3;
/** -1 when the size is not known (a fragment block). */
export const EXPECTED = 4;
export const STATUS = 5;
/** Bytes a worker wrote to the block's slot. */
export const LENGTH = 6;
export const ROW = 7;

// A row's STATUS.
export const PENDING = 0;
export const DECODED = 1;
/** The worker could not decode it as expected; the main thread decodes it again for the exact problem. */
export const FAILED = 2;
/** The main thread took it back; a late worker result is dropped. */
export const TAKEN_BACK = 3;

export interface Batch {
  compression: BlockCompression;
  table: SharedArrayBuffer;
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
}

/** Claims and decodes blocks of the batch until none is left. */
export function runBatch(batch: Batch): void {
  const table = new Int32Array(batch.table);
  const input = new Uint8Array(batch.input);
  const output = new Uint8Array(batch.output);
  const count = (table.length - HEADER) / ROW;
  for (let block = Atomics.add(table, NEXT, 1); block < count; block = Atomics.add(table, NEXT, 1)) {
    const row = HEADER + block * ROW;
    let outcome = FAILED;
    try {
      const start = table[row + IN_START]!;
      const expected = table[row + EXPECTED]!;
      const maxOutput = table[row + MAX_OUTPUT]!;
      const data = decodeBlock(batch.compression, input.subarray(start, start + table[row + IN_LENGTH]!), maxOutput, expected < 0 ? undefined : expected);
      if (data.length <= maxOutput && (expected < 0 || data.length === expected)) {
        output.set(data, table[row + OUT_START]!);
        table[row + LENGTH] = data.length;
        outcome = DECODED;
      }
    } catch {
      // Whatever went wrong, the main thread decodes the block again and reports it as it would
      // have without workers.
    }
    if (Atomics.compareExchange(table, row + STATUS, PENDING, outcome) === PENDING) {
      Atomics.add(table, FINISHED, 1);
      Atomics.notify(table, FINISHED);
    }
  }
}

export const WORKER_ROLE = 'connectable-squashfs-block-worker';

if (!isMainThread && parentPort && (workerData as { role?: unknown } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on('message', (batch: Batch) => runBatch(batch));
  // Tells the pool the decoders have loaded (tests wait for it; decoding never does).
  port.postMessage('ready');
}

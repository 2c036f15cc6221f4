import fs from 'node:fs';
import path from 'node:path';
import { ConnectableError } from '../errors.ts';

// PGlite is a single-process database: two processes writing the same directory corrupt it. A
// lock file holding the owner's pid keeps a second start out; a lock left by a process that has
// died (a crash, kill -9) is taken over, since no one can be using the data any more.

function inUse(pid: number, dataDir: string): ConnectableError {
  return new ConnectableError(
    'CONNECTABLE_ERR_DATA_DIR_IN_USE',
    `Another Connectable process (pid ${pid}) is already using the embedded database in ${dataDir}. ` +
      'Stop that process first, or give this one its own directory with DATA_DIR, or use a PostgreSQL server with DATABASE_URL.',
  );
}

export interface DataDirLock {
  release(): void;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Locks this process holds; a second open within one process is refused like one from another.
const held = new Set<string>();

export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'connectable.lock');
  if (held.has(lockPath)) throw inUse(process.pid, dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      held.add(lockPath);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        held.delete(lockPath);
        try {
          if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
      process.once('exit', release);
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processIsAlive(holder)) {
        throw inUse(holder, dataDir);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new ConnectableError('CONNECTABLE_ERR_DATA_DIR_IN_USE', `Could not take the lock ${lockPath}; remove it if no Connectable process is running.`);
}

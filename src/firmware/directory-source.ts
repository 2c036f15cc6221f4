import fs from 'node:fs';
import path from 'node:path';
import { LimitExceeded, spend, type Entry, type Limits, type Problem } from './unpack/types.ts';

// A directory of already-extracted files (from binwalk, a build tree, an SDK's rootfs) read as the
// same entries an unpacker gives. Symlinks are recorded with their target and never followed, so
// a link to /etc/shadow of the machine running the scan is never read; special files are listed,
// not opened.

export function readDirectory(root: string, limits: Limits): { entries: Entry[]; problems: Problem[] } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const walk = (dir: string, relative: string): void => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (e) {
      problems.push({ path: relative || '.', message: `cannot be listed (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    for (const name of names.sort()) {
      const full = path.join(dir, name);
      const rel = relative ? `${relative}/${name}` : name;
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(full);
      } catch (e) {
        problems.push({ path: rel, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
        continue;
      }
      spend(limits, 0, 1);
      const base = { path: rel, mode: stat.mode, uid: stat.uid, gid: stat.gid };
      if (stat.isSymbolicLink()) entries.push({ ...base, type: 'symlink', target: fs.readlinkSync(full) });
      else if (stat.isDirectory()) {
        entries.push({ ...base, type: 'directory' });
        walk(full, rel);
      } else if (stat.isFile()) {
        if (stat.size > limits.maxFileBytes) {
          problems.push({ path: rel, message: `not read: ${stat.size} bytes is over the limit of ${limits.maxFileBytes} per file` });
          continue;
        }
        spend(limits, stat.size);
        entries.push({ ...base, type: 'file', data: fs.readFileSync(full) });
      } else entries.push({ ...base, type: stat.isFIFO() ? 'fifo' : stat.isSocket() ? 'socket' : 'device' });
    }
  };
  try {
    walk(root, '');
  } catch (e) {
    if (!(e instanceof LimitExceeded)) throw e;
    problems.push({ message: `stopped: ${e.message}` });
  }
  return { entries, problems };
}

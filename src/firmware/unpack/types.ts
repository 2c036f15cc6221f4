// What every unpacker of a firmware image speaks. Images are untrusted bytes: every reader works
// on an in-memory buffer, never touches the filesystem, and stays inside the limits it is given;
// whatever it cannot read becomes a Problem, never an exception that escapes, never a partial
// silence.

/** A file, directory or link found inside a container, with a normalised relative path. */
export interface Entry {
  /** Relative, '/'-separated, no leading '/', no '.' or '..' segments, no NULs (see safePath). */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'socket';
  /** Unix permission bits and type bits as stored (0 when the format has none). */
  mode: number;
  /** The bytes of a regular file (only for type 'file'). */
  data?: Uint8Array;
  /** Where a symlink or hard link points, as stored (never followed by the unpacker). */
  target?: string;
  uid?: number;
  gid?: number;
}

export interface Problem {
  /** Where inside the container, when known. */
  path?: string;
  /** Byte offset inside the container's own bytes, when known. */
  offset?: number;
  message: string;
}

export interface UnpackResult {
  entries: Entry[];
  problems: Problem[];
}

/**
 * Bounds for one unpacking. Counted across a whole scan (the same object is passed down), so a
 * bomb nested three deep is stopped by the same budget as one at the top.
 */
export interface Limits {
  /** Most bytes any single file (or decompressed stream) may expand to. */
  maxFileBytes: number;
  /** Most bytes all extracted data may take in total; spend() tracks it. */
  maxTotalBytes: number;
  /** Most entries in total. */
  maxEntries: number;
  /** Epoch milliseconds after which unpacking stops with a problem. */
  deadline: number;
  /** Bytes and entries used so far (mutated by spend()). */
  used: { bytes: number; entries: number };
  /**
   * Called after every charge, from inside the (synchronous) unpackers: the only moment a
   * terminal's progress display can be refreshed while a large container is being read.
   */
  onSpend?: () => void;
  /**
   * Unpackers that know from a header how many entries a container holds and how many bytes it
   * spans say so here, so a progress display can move through one large container.
   */
  onContainer?: (expected: { entries: number; span?: number }) => void;
}

export class LimitExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitExceeded';
  }
}

/** The default bounds a scan runs with (the README states them). */
export function defaultLimits(now = Date.now()): Limits {
  return {
    maxFileBytes: 512 * 1024 * 1024,
    maxTotalBytes: 2 * 1024 * 1024 * 1024,
    maxEntries: 1_000_000,
    deadline: now + 10 * 60 * 1000,
    used: { bytes: 0, entries: 0 },
  };
}

/** Charges bytes and entries against the budget; throws LimitExceeded when it runs out. */
export function spend(limits: Limits, bytes: number, entries = 0): void {
  if (bytes > limits.maxFileBytes) throw new LimitExceeded(`a file would expand to ${bytes} bytes, over the limit of ${limits.maxFileBytes}`);
  limits.used.bytes += bytes;
  limits.used.entries += entries;
  if (limits.used.bytes > limits.maxTotalBytes) throw new LimitExceeded(`the image expands to more than ${limits.maxTotalBytes} bytes in total`);
  if (limits.used.entries > limits.maxEntries) throw new LimitExceeded(`the image holds more than ${limits.maxEntries} entries`);
  if (Date.now() > limits.deadline) throw new LimitExceeded('the time allowed for unpacking ran out');
  limits.onSpend?.();
}

/**
 * Normalises a path from inside an image: '/etc/../passwd' becomes 'passwd', '../../x' becomes
 * 'x' (a traversal attempt is reported by the caller, never followed), empty segments and NULs
 * go. Returns null for a path with nothing left.
 */
export function safePath(raw: string): { path: string; escaped: boolean } | null {
  const parts: string[] = [];
  let escaped = false;
  for (const segment of raw.replace(/\0/g, '').split(/[/\\]+/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) escaped = true;
      else parts.pop();
      continue;
    }
    parts.push(segment);
  }
  return parts.length ? { path: parts.join('/'), escaped } : null;
}

/**
 * A path as an archive stored it, made safe: absolute paths (also 'C:\\' and '\\') are read as
 * relative and a '..' that climbs out is kept inside — each reported as a Problem. Null when
 * nothing is left of the name.
 */
export function archivePath(raw: string, offset: number, problems: Problem[]): string | null {
  const normal = safePath(raw);
  const shown = JSON.stringify(raw);
  if ((raw.startsWith('/') || raw.startsWith('\\') || /^[A-Za-z]:/.test(raw)) && normal) {
    problems.push({ path: normal.path, offset, message: `the stored path ${shown} is absolute; read as relative to the archive` });
  }
  if (normal?.escaped || (!normal && raw.split(/[/\\]/).includes('..'))) {
    problems.push({ ...(normal ? { path: normal.path } : {}), offset, message: `the stored path ${shown} climbs out of the archive with '..'; ${normal ? 'kept inside' : 'skipped'}` });
  }
  return normal?.path ?? null;
}

/**
 * The path of a directory entry under parent, or null (with a Problem) when its name is not a
 * plain name or the path would be longer than maximumLength characters.
 */
export function childPath(parent: string, name: string, problems: Problem[], maximumLength: number): string | null {
  const shown = parent ? `${parent}/${name}` : name;
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    problems.push({ path: safePath(shown)?.path ?? parent, message: `a directory entry named ${JSON.stringify(name)} is not a plain file name; skipped` });
    return null;
  }
  if (shown.length > maximumLength) {
    problems.push({ path: parent, message: `a path longer than ${maximumLength} characters; skipped` });
    return null;
  }
  return safePath(shown)?.path ?? null;
}

/** Whether a relative symlink target climbs above the archive's root from where the link sits. */
export function linkEscapes(linkPath: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  const directory = linkPath.split('/').slice(0, -1).join('/');
  return safePath(`${directory}/${target}`)?.escaped ?? false;
}

/**
 * Records a Problem when a relative symlink climbs above the root: the link is kept as an entry
 * (it is evidence) but never followed, so the machine running the scan is never read.
 */
export function reportEscapingLink(path: string, target: string, problems: Problem[], container: 'image' | 'archive', offset?: number): void {
  if (!linkEscapes(path, target)) return;
  problems.push({ path, ...(offset === undefined ? {} : { offset }), message: `the symlink points outside the ${container} (${target}); recorded, not followed` });
}

/** A container or compression format found by its magic bytes. */
export interface Unpacker {
  /** Short name used in reports, e.g. 'squashfs', 'cpio-newc', 'gzip'. */
  name: string;
  /** Whether a container of this format starts at offset (cheap: magic bytes and a sanity check). */
  detect(bytes: Uint8Array, offset: number): boolean;
  /**
   * Reads the container starting at offset. Returns what it found and what it could not read,
   * and how many bytes it spans when known (so carving can skip past it).
   */
  unpack(bytes: Uint8Array, offset: number, limits: Limits): UnpackResult & { length?: number };
}

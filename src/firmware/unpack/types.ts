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

// The file-type bits of a Unix mode (S_IFMT and its values), as every Unix filesystem stores them.
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

const ENTRY_TYPES: ReadonlyMap<number, Exclude<Entry['type'], 'hardlink'>> = new Map([
  [S_IFREG, 'file'],
  [S_IFDIR, 'directory'],
  [S_IFLNK, 'symlink'],
  [S_IFCHR, 'device'],
  [S_IFBLK, 'device'],
  [S_IFIFO, 'fifo'],
  [S_IFSOCK, 'socket'],
]);

/** The entry type a mode's file-type bits name; null when they name none (a damaged inode). */
export function entryTypeOfMode(mode: number): Exclude<Entry['type'], 'hardlink'> | null {
  return ENTRY_TYPES.get(mode & S_IFMT) ?? null;
}

/**
 * An inode's mode with the file type its directory entry records filled in: when the inode is
 * lost that type is all there is, and an inode that stores no type bits gets it too.
 */
export function modeWithEntryType(mode: number | undefined, typeBits: number | undefined): number {
  if (mode === undefined) return typeBits ?? 0;
  return (mode & S_IFMT) === 0 ? mode | (typeBits ?? 0) : mode;
}

/**
 * Charges a regular file's size against the budget and returns it as a number; null, with a
 * Problem, when the file claims more than one file may expand to: the caller then lists it
 * without contents.
 */
export function chargeFile(size: number | bigint, path: string, limits: Limits, problems: Problem[]): number | null {
  // Negated so that a size that is no number at all is refused too.
  if (!(size <= limits.maxFileBytes)) {
    problems.push({ path, message: `the file claims ${size} bytes, over the limit of ${limits.maxFileBytes}; its contents are not read` });
    return null;
  }
  const bytes = Number(size);
  spend(limits, bytes);
  return bytes;
}

/** Owner fields of an entry, absent when the inode that holds them could not be read. */
export type Owner = Pick<Entry, 'uid' | 'gid'>;

/**
 * The entries of a Unix filesystem walked from its root, where an inode may have many names: a
 * directory reached a second time is a cycle (reported and not entered again, so a hostile image
 * cannot make the walk loop), and every name of an inode after the first becomes a 'hardlink' to
 * the first, so its data is read and charged once.
 */
export class InodeListing {
  /** Directories entered so far, the root from the start: any other was never reached. */
  readonly visitedDirectories: Set<number>;
  private readonly firstPathOfInode = new Map<number, string>();
  private readonly entries: Entry[];
  private readonly problems: Problem[];
  /** What the cycle Problem says refers back, in the words of the format's own reader. */
  private readonly referrer: string;

  constructor(entries: Entry[], problems: Problem[], root: number, referrer = 'the directory') {
    this.entries = entries;
    this.problems = problems;
    this.visitedDirectories = new Set([root]);
    this.referrer = referrer;
  }

  /** Lists a directory and says whether to enter it: not when it was entered before. */
  enterDirectory(inode: number, path: string, mode: number, owner: Owner): boolean {
    if (this.visitedDirectories.has(inode)) {
      this.problems.push({ path, message: `${this.referrer} refers back to directory inode ${inode} (a cycle); not followed` });
      return false;
    }
    this.visitedDirectories.add(inode);
    this.entries.push({ path, type: 'directory', mode, ...owner });
    return true;
  }

  /**
   * Lists a further name of an inode named before as a hard link to its first name, and says
   * so; otherwise path becomes the inode's first name, for the caller to list with its contents.
   */
  listedAsHardlink(inode: number, path: string, mode: number, owner: Owner): boolean {
    const first = this.firstPathOfInode.get(inode);
    if (first !== undefined) {
      this.entries.push({ path, type: 'hardlink', mode, target: first, ...owner });
      return true;
    }
    this.firstPathOfInode.set(inode, path);
    return false;
  }
}

/**
 * Trouble met over and over (a damaged node, a bad erase block), counted so that each kind
 * becomes one Problem saying how often and where first, rather than one Problem each time.
 */
export class Tally {
  private readonly counts = new Map<string, { count: number; offset: number }>();
  /** The Problem's message for one kind of trouble, in the words of the format's own units. */
  private readonly describe: (message: string, count: number, offset: number) => string;

  constructor(describe: (message: string, count: number, offset: number) => string) {
    this.describe = describe;
  }

  add(message: string, offset: number, count = 1): void {
    const seen = this.counts.get(message);
    if (seen) seen.count += count;
    else this.counts.set(message, { count, offset });
  }

  /** Moves everything counted in `other` here, emptying it. */
  take(other: Tally): void {
    for (const [message, { count, offset }] of other.counts) this.add(message, offset, count);
    other.counts.clear();
  }

  /** Moves what was counted into problems, so a second report says only what came after. */
  report(problems: Problem[]): void {
    for (const [message, { count, offset }] of this.counts) problems.push({ offset, message: this.describe(message, count, offset) });
    this.counts.clear();
  }
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

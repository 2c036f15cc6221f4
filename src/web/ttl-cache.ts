/**
 * A small in-process cache with a time to live and a size bound, for public answers that every
 * caller gets alike. Entries expire on their own; nothing needs to invalidate them, which keeps
 * several processes behind a balancer consistent within the TTL.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly refreshing = new Map<string, Promise<V>>();
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(maxEntries: number, clock: () => number = Date.now) {
    this.maxEntries = maxEntries;
    this.clock = clock;
  }

  get(key: string): V | undefined {
    const now = this.clock();
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    const now = this.clock();
    if (this.entries.size >= this.maxEntries) {
      // Maps keep insertion order: dropping the first key drops the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: now + ttlMs });
  }

  /**
   * The cached value, loading it on a miss. An expired entry is still served (for up to the
   * grace period) while one load refreshes it, so a busy key never makes a crowd of callers
   * wait on the database at once: stale-while-revalidate, in memory.
   */
  async fetch(key: string, load: () => Promise<V>, ttlMs: (value: V) => number, graceMs: number): Promise<V> {
    const now = this.clock();
    const e = this.entries.get(key);
    if (e && e.expires > now) return e.value;
    const pending = this.refreshing.get(key);
    const refresh =
      pending ??
      load().then(
        (value) => {
          this.refreshing.delete(key);
          this.set(key, value, ttlMs(value));
          return value;
        },
        (error: unknown) => {
          this.refreshing.delete(key);
          throw error;
        },
      );
    if (!pending) this.refreshing.set(key, refresh);
    if (e && e.expires + graceMs > now) {
      refresh.catch(() => {});
      return e.value;
    }
    return refresh;
  }

  clear(): void {
    this.entries.clear();
  }
}

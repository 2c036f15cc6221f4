/**
 * A small in-process cache with a time to live and a size bound, for public answers that every
 * caller gets alike. Entries expire on their own; nothing needs to invalidate them, which keeps
 * several processes behind a balancer consistent within the TTL.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly maxEntries: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) {
      // Maps keep insertion order: dropping the first key drops the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: now + ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}

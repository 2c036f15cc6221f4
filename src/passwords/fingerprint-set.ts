// A set of 64-bit string fingerprints in two typed arrays with open addressing: 8 bytes a slot
// instead of the ~80 a JavaScript Set spends on a short string, so uniqueness over ten million
// passwords fits in about 130 MB (a table at most three quarters full). Two independent 32-bit hashes make a false
// "seen before" vanishingly rare (about n²/2^65: 3·10⁻⁶ for ten million).

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function murmurish(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class FingerprintSet {
  private high: Uint32Array;
  private low: Uint32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity * 0.75 < expected) capacity *= 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Adds the value; true when it was not in the set before. */
  add(value: string): boolean {
    if (this.size * 4 >= this.high.length * 3) this.grow();
    let a = fnv1a(value);
    const b = murmurish(value);
    // 0/0 marks an empty slot; remap the one fingerprint that would collide with it.
    if (a === 0 && b === 0) a = 1;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const h = this.high[i] as number;
      const l = this.low[i] as number;
      if (h === 0 && l === 0) {
        this.high[i] = a;
        this.low[i] = b;
        this.size++;
        return true;
      }
      if (h === a && l === b) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const { high, low } = this;
    const capacity = high.length * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < high.length; j++) {
      const a = high[j] as number;
      const b = low[j] as number;
      if (a === 0 && b === 0) continue;
      let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
      while ((this.high[i] as number) !== 0 || (this.low[i] as number) !== 0) i = (i + 1) & this.mask;
      this.high[i] = a;
      this.low[i] = b;
    }
  }

  /** Bytes held by the table, for reports of memory use. */
  get bytes(): number {
    return this.high.byteLength * 2;
  }
}

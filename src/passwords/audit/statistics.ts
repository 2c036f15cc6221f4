/** A Float64Array that grows, for per-unit numbers kept in 8 bytes instead of a boxed array. */
export class NumberColumn {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

function ranks(values: Float64Array): Float64Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => (values[a] as number) - (values[b] as number));
  const r = new Float64Array(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1] as number] === values[order[i] as number]) j++;
    const rank = (i + j) / 2;
    for (let k = i; k <= j; k++) r[order[k] as number] = rank;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation of two equally long columns; NaN when either is constant. */
export function spearman(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n < 3) return Number.NaN;
  const rx = ranks(x);
  const ry = ranks(y);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += rx[i] as number;
    my += ry[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] as number) - mx;
    const dy = (ry[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** An order-preserving number for a string's first six characters, for rank statistics. */
export function lexicalKey(s: string): number {
  let key = 0;
  for (let i = 0; i < 6; i++) key = key * 128 + (i < s.length ? Math.min(s.charCodeAt(i), 127) : 0);
  return key;
}

/** The number in a serial: its last run of digits ("SN-000123" → 123), or NaN. */
export function serialNumber(serial: string): number {
  const m = /(\d{1,15})(?!.*\d)/.exec(serial);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * M4 buckets of one trace on a fixed power-of-two grid, held in the browser: bucket k covers
 * [k, k+1) * 2^exp axis units and keeps the count, the NaN count, and the first, last, min and
 * max points. Live points merge into it, and it coarsens itself (M4 of M4 is exact) so its size
 * follows the chart's pixel width, never the length of the history.
 */
export interface BucketColumns {
  length: number;
  bucket: Float64Array;
  count: Float64Array;
  nanCount: Float64Array;
  firstX: Float64Array;
  firstV: Float64Array;
  lastX: Float64Array;
  lastV: Float64Array;
  minX: Float64Array;
  minV: Float64Array;
  maxX: Float64Array;
  maxV: Float64Array;
}

const KEYS = [
  'bucket',
  'count',
  'nanCount',
  'firstX',
  'firstV',
  'lastX',
  'lastV',
  'minX',
  'minV',
  'maxX',
  'maxV',
] as const;

function alloc(capacity: number): BucketColumns {
  const c = { length: 0 } as BucketColumns;
  for (const key of KEYS) c[key] = new Float64Array(capacity);
  return c;
}

/** Pixel exponent for a span drawn over a width: the smallest p with 2^p >= span / width. */
export function pixelExpFor(span: number, width: number): number {
  const s = Math.max(span, Number.MIN_VALUE);
  return Math.max(-1000, Math.ceil(Math.log2(s / Math.max(1, width))));
}

/** Growable, sorted M4 buckets of one trace. */
export class BucketTrace {
  #exp: number;
  #c: BucketColumns;

  constructor(exp: number, capacity = 64) {
    this.#exp = exp;
    this.#c = alloc(Math.max(1, capacity));
  }

  /** Buckets copied from M4 columns sorted by bucket (a chart read's answer). */
  static fromColumns(exp: number, src: BucketColumns): BucketTrace {
    const t = new BucketTrace(exp, src.length);
    for (const key of KEYS) t.#c[key].set(src[key].subarray(0, src.length));
    t.#c.length = src.length;
    return t;
  }

  /** Buckets of raw points. */
  static fromPoints(exp: number, x: ArrayLike<number>, v: ArrayLike<number>): BucketTrace {
    const t = new BucketTrace(exp, Math.min(x.length, 4096));
    for (let i = 0; i < x.length; i++) t.addPoint(x[i] as number, v[i] as number);
    return t;
  }

  /** Grid exponent: buckets are 2^exp axis units wide. */
  get exp(): number {
    return this.#exp;
  }

  get length(): number {
    return this.#c.length;
  }

  /** The columns (valid up to `length`). */
  get columns(): BucketColumns {
    return this.#c;
  }

  /** Points held, NaN included. */
  pointCount(): number {
    let n = 0;
    for (let i = 0; i < this.#c.length; i++) n += this.#c.count[i] as number;
    return n;
  }

  /** Adds one raw point; a point without a usable x (NaN, infinite) is ignored. */
  addPoint(x: number, v: number): void {
    if (!Number.isFinite(x)) return;
    const b = Math.floor(x * 2 ** -this.#exp);
    const slot = this.#slotFor(b);
    const c = this.#c;
    c.count[slot] = (c.count[slot] as number) + 1;
    if (x < (c.firstX[slot] as number)) {
      c.firstX[slot] = x;
      c.firstV[slot] = v;
    }
    if (x >= (c.lastX[slot] as number)) {
      c.lastX[slot] = x;
      c.lastV[slot] = v;
    }
    if (Number.isNaN(v)) {
      c.nanCount[slot] = (c.nanCount[slot] as number) + 1;
      return;
    }
    const minV = c.minV[slot] as number;
    if (v < minV || Number.isNaN(minV)) {
      c.minV[slot] = v;
      c.minX[slot] = x;
    }
    const maxV = c.maxV[slot] as number;
    if (v > maxV || Number.isNaN(maxV)) {
      c.maxV[slot] = v;
      c.maxX[slot] = x;
    }
  }

  /** Merges buckets onto a coarser grid (exact: M4 of M4 is M4). */
  coarsen(exp: number): void {
    if (exp <= this.#exp) return;
    const src = this.#c;
    const ratio = 2 ** (exp - this.#exp);
    const dst = alloc(Math.max(1, src.length));
    let n = 0;
    for (let i = 0; i < src.length; i++) {
      const b = Math.floor((src.bucket[i] as number) / ratio);
      if (n === 0 || dst.bucket[n - 1] !== b) {
        init(dst, n, b);
        n++;
      }
      merge(dst, n - 1, src, i);
    }
    dst.length = n;
    this.#exp = exp;
    this.#c = dst;
  }

  /** Index of the first bucket whose points may reach x or beyond (binary search on lastX order). */
  lowerBound(x: number): number {
    const b = Math.floor(x * 2 ** -this.#exp);
    return this.#search(b);
  }

  #search(b: number): number {
    let lo = 0;
    let hi = this.#c.length;
    const buckets = this.#c.bucket;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((buckets[mid] as number) < b) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #slotFor(b: number): number {
    const c = this.#c;
    const n = c.length;
    if (n > 0 && c.bucket[n - 1] === b) return n - 1;
    let at = n;
    if (n > 0 && (c.bucket[n - 1] as number) > b) {
      at = this.#search(b);
      if (c.bucket[at] === b) return at;
    }
    if (n === c.bucket.length) this.#grow();
    const g = this.#c;
    if (at < n) for (const key of KEYS) g[key].copyWithin(at + 1, at, n);
    init(g, at, b);
    g.length = n + 1;
    return at;
  }

  #grow(): void {
    const next = alloc(this.#c.bucket.length * 2);
    for (const key of KEYS) next[key].set(this.#c[key]);
    next.length = this.#c.length;
    this.#c = next;
  }
}

function init(c: BucketColumns, slot: number, b: number): void {
  c.bucket[slot] = b;
  c.count[slot] = 0;
  c.nanCount[slot] = 0;
  c.firstX[slot] = Number.POSITIVE_INFINITY;
  c.firstV[slot] = Number.NaN;
  c.lastX[slot] = Number.NEGATIVE_INFINITY;
  c.lastV[slot] = Number.NaN;
  c.minX[slot] = Number.NaN;
  c.minV[slot] = Number.NaN;
  c.maxX[slot] = Number.NaN;
  c.maxV[slot] = Number.NaN;
}

function merge(dst: BucketColumns, slot: number, src: BucketColumns, i: number): void {
  dst.count[slot] = (dst.count[slot] as number) + (src.count[i] as number);
  dst.nanCount[slot] = (dst.nanCount[slot] as number) + (src.nanCount[i] as number);
  if ((src.firstX[i] as number) < (dst.firstX[slot] as number)) {
    dst.firstX[slot] = src.firstX[i] as number;
    dst.firstV[slot] = src.firstV[i] as number;
  }
  if ((src.lastX[i] as number) >= (dst.lastX[slot] as number)) {
    dst.lastX[slot] = src.lastX[i] as number;
    dst.lastV[slot] = src.lastV[i] as number;
  }
  const nv = src.minV[i] as number;
  const dnv = dst.minV[slot] as number;
  if (nv < dnv || (Number.isNaN(dnv) && !Number.isNaN(nv))) {
    dst.minV[slot] = nv;
    dst.minX[slot] = src.minX[i] as number;
  }
  const mv = src.maxV[i] as number;
  const dmv = dst.maxV[slot] as number;
  if (mv > dmv || (Number.isNaN(dmv) && !Number.isNaN(mv))) {
    dst.maxV[slot] = mv;
    dst.maxX[slot] = src.maxX[i] as number;
  }
}

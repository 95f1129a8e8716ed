/**
 * M4 buckets: for each bucket of a power-of-two grid on x, the count, the first and last point
 * (by x), and the points holding the min and max value. Merging buckets is exact (M4 of M4 is M4),
 * which is what lets pre-aggregated levels answer chart reads.
 *
 * NaN values count towards `count` and `nanCount` and can be a first/last point, but never a
 * min/max; a bucket holding only NaN has `minV`/`maxV` NaN.
 */
export interface M4Columns {
  length: number;
  /** Bucket index: floor(x / 2^exp). */
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

/** Number of levels kept per series; level `l` has buckets 2^(e0 + LEVEL_STEP * l) wide. */
export const LEVEL_COUNT = 6;
/** Each level is 2^4 = 16 times coarser than the one below. */
export const LEVEL_STEP = 4;
/** Level 0 aims at this many points per bucket when choosing a series' base exponent. */
export const POINTS_PER_BASE_BUCKET = 64;

/** 2^e as a double, exact for the exponents in use. */
export function pow2(e: number): number {
  return 2 ** e;
}

/** Bucket index of x on the grid of width 2^exp. */
export function bucketOf(x: number, exp: number): number {
  return Math.floor(x * 2 ** -exp);
}

/**
 * Picks a series' base exponent from the spacing of its first x values, so that a level-0 bucket
 * holds about 64 points whatever the units of x (steps, epochs, seconds).
 */
export function chooseBaseExponent(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return 6;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const spacing = (hi - lo) / (n - 1);
  if (!(spacing > 0) || !Number.isFinite(spacing)) return 6;
  return Math.max(-40, Math.min(40, Math.round(Math.log2(spacing * POINTS_PER_BASE_BUCKET))));
}

/** Growable M4 accumulator keyed by bucket index, for one series and one exponent. */
export class M4Builder {
  readonly exp: number;
  readonly #scale: number;
  #index = new Map<number, number>();
  #cols: M4Columns;
  #lastBucket = Number.NaN;
  #lastSlot = -1;

  constructor(exp: number, capacity = 64) {
    this.exp = exp;
    this.#scale = 2 ** -exp;
    this.#cols = allocM4(capacity);
    this.#cols.length = 0;
  }

  get length(): number {
    return this.#cols.length;
  }

  /** Adds one raw point. */
  addPoint(x: number, v: number): void {
    const b = Math.floor(x * this.#scale);
    const slot = b === this.#lastBucket ? this.#lastSlot : this.#slot(b);
    const c = this.#cols;
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

  /** Merges bucket `i` of `src` (from a finer or equal grid) into this builder. */
  addBucket(src: M4Columns, i: number): void {
    const fx = src.firstX[i] as number;
    const b = Math.floor(fx * this.#scale);
    const slot = b === this.#lastBucket ? this.#lastSlot : this.#slot(b);
    mergeInto(this.#cols, slot, src, i);
  }

  /** The buckets, in first-seen order (not sorted). */
  columns(): M4Columns {
    return this.#cols;
  }

  #slot(b: number): number {
    let slot = this.#index.get(b);
    if (slot === undefined) {
      slot = this.#cols.length;
      if (slot === this.#cols.bucket.length) this.#cols = growM4(this.#cols);
      initSlot(this.#cols, slot, b);
      this.#cols.length++;
      this.#index.set(b, slot);
    }
    this.#lastBucket = b;
    this.#lastSlot = slot;
    return slot;
  }
}

/** Merges bucket `i` of `src` into slot `slot` of `dst` (same bucket on dst's grid). */
export function mergeInto(dst: M4Columns, slot: number, src: M4Columns, i: number): void {
  dst.count[slot] = (dst.count[slot] as number) + (src.count[i] as number);
  dst.nanCount[slot] = (dst.nanCount[slot] as number) + (src.nanCount[i] as number);
  const fx = src.firstX[i] as number;
  if (fx < (dst.firstX[slot] as number)) {
    dst.firstX[slot] = fx;
    dst.firstV[slot] = src.firstV[i] as number;
  }
  const lx = src.lastX[i] as number;
  if (lx >= (dst.lastX[slot] as number)) {
    dst.lastX[slot] = lx;
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

/** Allocates empty M4 columns of a capacity (length set to capacity). */
export function allocM4(capacity: number): M4Columns {
  return {
    length: capacity,
    bucket: new Float64Array(capacity),
    count: new Float64Array(capacity),
    nanCount: new Float64Array(capacity),
    firstX: new Float64Array(capacity),
    firstV: new Float64Array(capacity),
    lastX: new Float64Array(capacity),
    lastV: new Float64Array(capacity),
    minX: new Float64Array(capacity),
    minV: new Float64Array(capacity),
    maxX: new Float64Array(capacity),
    maxV: new Float64Array(capacity),
  };
}

const M4_KEYS = [
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

function growM4(cols: M4Columns): M4Columns {
  const next = allocM4(cols.bucket.length * 2);
  for (const key of M4_KEYS) next[key].set(cols[key]);
  next.length = cols.length;
  return next;
}

function initSlot(c: M4Columns, slot: number, b: number): void {
  c.bucket[slot] = b;
  c.count[slot] = 0;
  c.nanCount[slot] = 0;
  c.firstX[slot] = Infinity;
  c.firstV[slot] = Number.NaN;
  c.lastX[slot] = -Infinity;
  c.lastV[slot] = Number.NaN;
  c.minX[slot] = Number.NaN;
  c.minV[slot] = Number.NaN;
  c.maxX[slot] = Number.NaN;
  c.maxV[slot] = Number.NaN;
}

/** Names of the M4 columns, in storage order after `bucket`. */
export const M4_VALUE_KEYS = M4_KEYS.slice(1);

/**
 * M4 columns from query columns in storage order: `bucket` first when `withBucket`, else the
 * value columns only (`bucket` left empty, as for level rows that are merged into pixels).
 */
export function m4FromColumns(cols: readonly Float64Array[], length: number, withBucket: boolean): M4Columns {
  const keys = withBucket ? M4_KEYS : M4_VALUE_KEYS;
  const out = { length, bucket: new Float64Array(0) } as M4Columns;
  keys.forEach((key, i) => {
    out[key] = cols[i] as Float64Array;
  });
  return out;
}

/** Values per bucket when buckets are packed into one array: `bucket` then the value columns. */
export const M4_WIDTH = M4_KEYS.length;

/** Copies bucket `i` of `src` into row `row` of a packed array (`M4_WIDTH` values a row, in column order). */
export function packM4(src: M4Columns, i: number, packed: Float64Array, row: number): void {
  const at = row * M4_WIDTH;
  for (let k = 0; k < M4_WIDTH; k++)
    packed[at + k] = (src[M4_KEYS[k] as (typeof M4_KEYS)[number]] as Float64Array)[i] as number;
}

/** Copies row `row` of a packed array into slot `slot` of `dst`. */
export function unpackM4(packed: Float64Array, row: number, dst: M4Columns, slot: number): void {
  const at = row * M4_WIDTH;
  for (let k = 0; k < M4_WIDTH; k++)
    (dst[M4_KEYS[k] as (typeof M4_KEYS)[number]] as Float64Array)[slot] = packed[at + k] as number;
}

/** A packed array's rows as M4 columns. */
export function m4OfPacked(packed: Float64Array): M4Columns {
  const rows = packed.length / M4_WIDTH;
  const out = allocM4(rows);
  for (let r = 0; r < rows; r++) unpackM4(packed, r, out, r);
  return out;
}

/** One empty bucket `b` (count 0), ready for `mergeInto`. */
export function emptyBucket(b: number): M4Columns {
  const out = allocM4(1);
  initSlot(out, 0, b);
  return out;
}

/** Empties slot 0 of `c` as bucket `b` (count 0), ready for `mergeInto`; returns `c`. */
export function resetBucket(c: M4Columns, b: number): M4Columns {
  initSlot(c, 0, b);
  return c;
}

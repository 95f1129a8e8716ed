import type { ChartData, M4Columns } from '../src/index.js';

/** Reference M4 computed naively from raw points, for checking chart reads. */
export interface RefBucket {
  k: number;
  count: number;
  nanCount: number;
  firstX: number;
  firstV: number;
  lastX: number;
  lastV: number;
  minV: number;
  maxV: number;
}

export function bruteM4(xs: number[], vs: number[], pixelExp: number, start: number, end: number): RefBucket[] {
  const P = 2 ** pixelExp;
  const lo = Math.floor(start / P);
  const hi = Math.floor(end / P);
  const map = new Map<number, RefBucket>();
  xs.forEach((x, i) => {
    const k = Math.floor(x / P);
    if (k < lo || k > hi) return;
    const v = vs[i] as number;
    let b = map.get(k);
    if (!b) {
      b = {
        k,
        count: 0,
        nanCount: 0,
        firstX: Infinity,
        firstV: NaN,
        lastX: -Infinity,
        lastV: NaN,
        minV: NaN,
        maxV: NaN,
      };
      map.set(k, b);
    }
    b.count++;
    if (x < b.firstX) {
      b.firstX = x;
      b.firstV = v;
    }
    if (x >= b.lastX) {
      b.lastX = x;
      b.lastV = v;
    }
    if (Number.isNaN(v)) b.nanCount++;
    else {
      if (!(v >= b.minV)) b.minV = v;
      if (!(v <= b.maxV)) b.maxV = v;
    }
  });
  return [...map.values()].sort((a, b) => a.k - b.k);
}

/** M4 columns in the shape `bruteM4` answers, for comparing the two. */
export function refBuckets(b: M4Columns) {
  return Array.from({ length: b.length }, (_, i) => ({
    k: b.bucket[i],
    count: b.count[i],
    nanCount: b.nanCount[i],
    firstX: b.firstX[i],
    firstV: b.firstV[i],
    lastX: b.lastX[i],
    lastV: b.lastV[i],
    minV: b.minV[i],
    maxV: b.maxV[i],
  }));
}

/** A chart read's buckets in the shape `bruteM4` answers. */
export function asRef(data: ChartData) {
  return refBuckets(data.buckets);
}

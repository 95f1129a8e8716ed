import { describe, expect, it } from 'vitest';
import { chooseBaseExponent, M4Builder } from '../src/m4.js';
import { bruteM4, refBuckets } from './brute-m4.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('M4 buckets', () => {
  it('matches a naive M4 from raw points, NaN and infinities included', () => {
    const r = rng(1);
    const xs: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < 5000; i++) {
      xs.push(Math.floor(r() * 10_000));
      const u = r();
      vs.push(u < 0.01 ? Number.NaN : u < 0.015 ? Infinity : u < 0.02 ? -Infinity : r() * 100 - 50);
    }
    const builder = new M4Builder(6);
    xs.forEach((x, i) => {
      builder.addPoint(x, vs[i] as number);
    });
    const cols = builder.columns();
    const got = refBuckets(cols).sort((a, b) => (a.k as number) - (b.k as number));
    expect(got).toEqual(bruteM4(xs, vs, 6, -Infinity, Infinity));
  });

  it('merging fine buckets into coarse ones equals aggregating raw points coarsely (M4 of M4)', () => {
    const r = rng(7);
    const fine = new M4Builder(2);
    const direct = new M4Builder(8);
    for (let i = 0; i < 20_000; i++) {
      const x = r() * 100_000;
      const v = Math.sin(x) * (r() < 0.001 ? 1000 : 1);
      fine.addPoint(x, v);
      direct.addPoint(x, v);
    }
    const merged = new M4Builder(8);
    const f = fine.columns();
    for (let i = 0; i < f.length; i++) merged.addBucket(f, i);
    const sort = (b: M4Builder) => {
      const c = b.columns();
      return Array.from({ length: c.length }, (_, i) => [
        c.bucket[i],
        c.count[i],
        c.firstX[i],
        c.lastX[i],
        c.minV[i],
        c.maxV[i],
      ]).sort((a, b2) => (a[0] as number) - (b2[0] as number));
    };
    expect(sort(merged)).toEqual(sort(direct));
  });

  it('chooses a base exponent so a level-0 bucket holds about 64 points in any x unit', () => {
    expect(chooseBaseExponent(Array.from({ length: 100 }, (_, i) => i))).toBe(6);
    expect(chooseBaseExponent(Array.from({ length: 100 }, (_, i) => i * 0.01))).toBe(Math.round(Math.log2(0.64)));
    expect(chooseBaseExponent(Array.from({ length: 100 }, (_, i) => 1.7e12 + i * 1000))).toBe(16);
    expect(chooseBaseExponent([5])).toBe(6);
  });
});

import { describe, expect, it } from 'vitest';
import { SampleWindow, windowEnd } from '../src/sampling/window.js';

function flushed(window: SampleWindow): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  window.flush((slot, mean, min, max) => out.push([slot, mean, min, max]));
  return out;
}

describe('SampleWindow', () => {
  it('reports mean, min and max per slot and starts afresh after a flush', () => {
    const window = new SampleWindow(2);
    for (const v of [1, 2, 3, 6]) window.add(0, v);
    window.add(1, 10);
    expect(flushed(window)).toEqual([
      [0, 3, 1, 6],
      [1, 10, 10, 10],
    ]);
    expect(flushed(window)).toEqual([]);
    window.add(1, -4);
    expect(flushed(window)).toEqual([[1, -4, -4, -4]]);
  });

  it('keeps a short stall visible in the min although the mean hides it', () => {
    const window = new SampleWindow(1);
    // ten samples a second for one window: busy, then a two-sample stall, then busy again
    for (const v of [8, 8, 8, 8, 0, 0, 8, 8, 8, 8]) window.add(0, v);
    expect(flushed(window)).toEqual([[0, 6.4, 0, 8]]);
  });

  it('leaves NaN samples out, and reports NaN when a window had only NaN', () => {
    const window = new SampleWindow(2);
    window.add(0, Number.NaN);
    window.add(0, 4);
    window.add(1, Number.NaN);
    expect(window.count(0)).toBe(2);
    expect(flushed(window)).toEqual([
      [0, 4, 4, 4],
      [1, Number.NaN, Number.NaN, Number.NaN],
    ]);
  });

  it('flushInto writes the same triples as flush into columns, then starts afresh', () => {
    const window = new SampleWindow(3);
    for (const v of [1, 2, 3, 6]) window.add(0, v);
    window.add(2, Number.NaN);
    const slots = new Uint32Array(3);
    const values = new Float64Array(9);
    expect(window.flushInto(slots, values)).toBe(2);
    expect([...slots.subarray(0, 2)]).toEqual([0, 2]);
    expect([...values.subarray(0, 6)]).toEqual([3, 1, 6, Number.NaN, Number.NaN, Number.NaN]);
    expect(window.flushInto(slots, values)).toBe(0);
    expect(flushed(window)).toEqual([]);
  });

  it('keeps infinities', () => {
    const window = new SampleWindow(1);
    window.add(0, 1);
    window.add(0, Number.POSITIVE_INFINITY);
    expect(flushed(window)).toEqual([[0, Number.POSITIVE_INFINITY, 1, Number.POSITIVE_INFINITY]]);
  });
});

describe('windowEnd', () => {
  it('aligns windows to multiples of the interval', () => {
    expect(windowEnd(0, 1000)).toBe(1000);
    expect(windowEnd(999, 1000)).toBe(1000);
    expect(windowEnd(1000, 1000)).toBe(2000);
  });
});

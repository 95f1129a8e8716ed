import { describe, expect, test } from 'vitest';
import { decodeLiveBinary, encodeLiveBinary, type LiveDeltaColumns } from '../src/live-binary.js';
import { LiveCursors } from '../src/live-cursors.js';

const delta = (series: number, from: number, values: number[]): LiveDeltaColumns => ({
  series,
  run: `run-${series}`,
  from,
  x: Float64Array.from(values, (_, i) => from + i),
  xGiven: Uint8Array.from(values, (_, i) => i % 2),
  time: Float64Array.from(values, (_, i) => 1.7e12 + i),
  value: Float64Array.from(values),
});

describe('binary live messages', () => {
  test('round-trip several deltas exactly, NaN and infinities included', () => {
    const deltas = [
      delta(3, 10, [0.5, Number.NaN, Number.POSITIVE_INFINITY]),
      delta(4, 0, []),
      delta(5, 7, [-0, -1e308, 1, 2, 3]),
    ];
    const decoded = decodeLiveBinary(encodeLiveBinary(deltas));
    expect(decoded).toEqual(deltas);
    expect(Object.is(decoded[2]?.value[0], -0)).toBe(true);
  });

  test('decodes from a buffer at any byte offset (sockets hand out unaligned slices)', () => {
    const bytes = encodeLiveBinary([delta(1, 0, [1, 2, 3])]);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeLiveBinary(shifted.subarray(3))[0]?.value).toEqual(Float64Array.from([1, 2, 3]));
    expect(decodeLiveBinary(bytes.slice().buffer)[0]?.from).toBe(0);
    // a Node Buffer (what ws hands out) whose slice() would be a view, not a copy
    const pooled = Buffer.alloc(bytes.length + 5);
    pooled.set(bytes, 5);
    expect(decodeLiveBinary(pooled.subarray(5))[0]?.value).toEqual(Float64Array.from([1, 2, 3]));
  });

  test('truncated, garbage and non-delta messages throw instead of returning wrong points', () => {
    const bytes = encodeLiveBinary([delta(1, 0, [1, 2, 3])]);
    for (const bad of [
      bytes.subarray(0, 2),
      bytes.subarray(0, 10),
      bytes.subarray(0, bytes.length - 8),
      new Uint8Array([255, 255, 255, 255, 1]),
      encodeLiveBinary([]).fill(0x7b, 4),
    ]) {
      expect(() => decodeLiveBinary(bad)).toThrow();
    }
  });

  test('cursors apply binary and JSON deltas alike, skipping what is held', () => {
    const cursors = new LiveCursors({ 1: 2 });
    const points = cursors.apply(delta(1, 0, [10, 11, 12, 13]));
    expect([points?.from, [...(points?.value ?? [])]]).toEqual([2, [12, 13]]);
    const json = cursors.apply({ series: 1, run: 'r', from: 4, x: [4], x_given: [1], time: [0], value: ['NaN'] });
    expect(json?.value[0]).toBeNaN();
    expect(cursors.snapshot()).toEqual({ 1: 5 });
  });
});

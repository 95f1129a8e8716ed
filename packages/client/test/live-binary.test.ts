import { describe, expect, test } from 'vitest';
import { decodeLiveBinary, encodeLiveBinary, encodeLivePacked, type LiveDeltaColumns } from '../src/live-binary.js';
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

  test('packed layout: step-numbered x, whole-ms times and constant flags round-trip exactly in ~12 bytes a point', () => {
    const n = 5000;
    const packedShape: LiveDeltaColumns = {
      series: 9,
      run: 'r',
      from: 100,
      x: Float64Array.from({ length: n }, (_, i) => 100 + i),
      xGiven: new Uint8Array(n),
      time: Float64Array.from({ length: n }, (_, i) => 1.7e12 + 3 * i),
      value: Float64Array.from({ length: n }, (_, i) => (i === 7 ? Number.NaN : Math.sin(i))),
    };
    const bytes = encodeLivePacked([packedShape]);
    expect(bytes.length).toBeLessThan(12.2 * n);
    expect(bytes.length).toBeLessThan(encodeLiveBinary([packedShape]).length / 2);
    expect(decodeLiveBinary(bytes)).toEqual([packedShape]);
  });

  test('packed layout keeps every column that does not pack, at any byte offset', () => {
    const odd: LiveDeltaColumns = {
      series: 2,
      run: 'r2',
      from: 0,
      x: Float64Array.of(-0, 0.5, 3, Number.NaN),
      xGiven: Uint8Array.of(1, 0, 1, 1),
      time: Float64Array.of(1.7e12 + 0.25, 1.7e12, 2 ** 40, Number.NaN),
      value: Float64Array.of(Number.POSITIVE_INFINITY, -0, 1e-300, Number.NEGATIVE_INFINITY),
    };
    const deltas = [odd, delta(3, 10, [1, 2, 3]), delta(4, 0, [])];
    const bytes = encodeLivePacked(deltas);
    const shifted = new Uint8Array(bytes.length + 5);
    shifted.set(bytes, 5);
    const decoded = decodeLiveBinary(shifted.subarray(5));
    expect(decoded).toEqual(deltas);
    expect(Object.is(decoded[0]?.x[0], -0)).toBe(true);
    expect(Object.is(decoded[0]?.value[1], -0)).toBe(true);
    expect(() => decodeLiveBinary(bytes.subarray(0, bytes.length - 8))).toThrow(/shorter/);
  });
});

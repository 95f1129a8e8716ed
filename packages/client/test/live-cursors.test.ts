import { expect, test } from 'vitest';
import type { LiveDelta } from '../src/index.js';
import { LiveCursors } from '../src/index.js';

const delta = (series: number, from: number, values: number[]): LiveDelta => ({
  series,
  run: 'r',
  from,
  x: values.map((_, i) => from + i),
  x_given: values.map(() => 1),
  time: values.map(() => 0),
  value: values,
});

test('delivers each point once: repeats are dropped, overlaps trimmed, gaps refused', () => {
  const cursors = new LiveCursors({ 1: 2 });
  expect(cursors.apply(delta(1, 0, [0, 1]))).toBeNull();
  const overlap = cursors.apply(delta(1, 1, [1, 2, 3]));
  expect(overlap?.from).toBe(2);
  expect([...(overlap?.value ?? [])]).toEqual([2, 3]);
  expect(cursors.snapshot()).toEqual({ 1: 4 });
  expect(() => cursors.apply(delta(1, 6, [6]))).toThrow(/gap/);
  expect(cursors.apply(delta(2, 0, [5]))?.seriesId).toBe(2);
  expect(cursors.snapshot()).toEqual({ 1: 4, 2: 1 });
});

import { describe, expect, it } from 'vitest';
import { SampleWindow } from '../src/sampling/window.js';
import { WindowBatch } from '../src/sampling/window-batch.js';

describe('WindowBatch', () => {
  it('hands over mean/min/max per reporting slot, stamped once, asking each series id once', () => {
    const window = new SampleWindow(3);
    const asked: [number, number][] = [];
    const batch = new WindowBatch(window, (slot, part) => {
      asked.push([slot, part]);
      return 100 + slot * 3 + part;
    });
    expect(batch.take(5)).toBeUndefined();

    window.add(0, 1);
    window.add(0, 3);
    window.add(2, 7);
    const first = batch.take(1000);
    expect(first?.length).toBe(6);
    expect([...(first?.series ?? [])]).toEqual([100, 101, 102, 106, 107, 108]);
    expect([...(first?.value ?? [])]).toEqual([2, 1, 3, 7, 7, 7]);
    expect([...(first?.time ?? [])]).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(first?.x.every(Number.isNaN)).toBe(true);

    window.add(0, 4);
    window.add(1, 5);
    const second = batch.take(2000);
    expect([...(second?.series ?? [])]).toEqual([100, 101, 102, 103, 104, 105]);
    expect([...(second?.value ?? [])]).toEqual([4, 4, 4, 5, 5, 5]);
    // ids were asked the first time each slot reported, and never again
    expect(asked).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [2, 0],
      [2, 1],
      [2, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    // an earlier batch is the receiver's: a later take does not write into it
    expect([...(first?.value ?? [])]).toEqual([2, 1, 3, 7, 7, 7]);
  });
});

import { describe, expect, it } from 'vitest';
import { BatchBuilder, BatchError, pointBatch, validateBatchValues } from '../src/index.js';

describe('columnar batches', () => {
  it('BatchBuilder grows past its capacity and hands over aligned columns', () => {
    const builder = new BatchBuilder(2);
    for (let i = 0; i < 1000; i++) builder.push(i % 3, i * 0.5, 1000 + i, i % 2 ? Number.NaN : i);
    const batch = builder.take();
    expect(batch.length).toBe(1000);
    expect(batch.series[998]).toBe(998 % 3);
    expect(batch.value[999]).toBe(499.5);
    expect(batch.time[10]).toBe(1010);
    expect(Number.isNaN(batch.x[1] as number)).toBe(true);
    expect(batch.x[2]).toBe(2);
    expect(builder.length).toBe(0);
    expect(builder.take().length).toBe(0);
  });

  it('refuses columns of different lengths, naming the column', () => {
    expect(() => pointBatch(new Uint32Array(3), new Float64Array(3), new Float64Array(2), new Float64Array(3))).toThrow(
      /"time" has 2 entries but the batch has 3/,
    );
  });

  it('refuses infinite x and non-finite wall time, but not NaN x (none given)', () => {
    const ok = pointBatch(
      Uint32Array.of(1),
      Float64Array.of(Number.NaN),
      Float64Array.of(1),
      Float64Array.of(Number.NaN),
    );
    expect(() => validateBatchValues(ok)).not.toThrow();
    const badX = pointBatch(Uint32Array.of(1), Float64Array.of(Infinity), Float64Array.of(1), Float64Array.of(1));
    expect(() => validateBatchValues(badX)).toThrow(BatchError);
    const badT = pointBatch(Uint32Array.of(1), Float64Array.of(1), Float64Array.of(Number.NaN), Float64Array.of(1));
    expect(() => validateBatchValues(badT)).toThrow(/wall time/);
  });
});

describe('BatchBuilder reuse', () => {
  it('hands out batches that later pushes do not change', () => {
    const b = new BatchBuilder();
    b.push(1, 10, 100, 1);
    const first = b.take();
    b.push(2, 20, 200, 2);
    const second = b.take();
    expect([first.length, first.series[0], first.value[0], first.x[0]]).toEqual([1, 1, 10, 1]);
    expect([second.length, second.series[0], second.value[0], second.time[0]]).toEqual([1, 2, 20, 200]);
  });
});

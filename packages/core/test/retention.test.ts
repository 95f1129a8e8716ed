import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('retention and the cold tier', () => {
  it('moves old points to Parquet while every read still sees them, across reopen', async () => {
    const dir = tempDir();
    let store = await Store.open({ dir, retention: { maxPointsPerSeries: 1000 } });
    const run = await store.createRun();
    await store.openRun(run.id);
    const id = store.defineSeries(run.id, { name: 'loss' }).id;
    const n = 10_000;
    store.ingestor.ingest({
      length: n,
      series: new Uint32Array(n).fill(id),
      x: Float64Array.from({ length: n }, (_, i) => i),
      time: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i),
      value: Float64Array.from({ length: n }, (_, i) => (i === 1234 ? 999 : i % 10)),
    });
    await store.flush();
    const chartBefore = await store.chart({ seriesId: id, width: 50, start: 0, end: 2000 });
    const moved = await store.applyRetention();
    expect(moved).toBe(9000);
    const files = readdirSync(join(dir, 'cold'));
    expect(files.length).toBe(1);
    expect(files[0]).toMatch(/\.parquet$/);
    const check = async (s: Store) => {
      const all = await s.readPoints({ series: [id], by: 'n', limit: 1_000_000 });
      expect(all.length).toBe(n);
      expect(Array.from(all.n.subarray(0, 3))).toEqual([0, 1, 2]);
      expect(all.value[1234]).toBe(999);
      const raw = await s.chart({ seriesId: id, width: 5000, start: 1000, end: 1500 });
      expect(raw.source).toBe('raw');
      expect(Math.max(...raw.buckets.maxV)).toBe(999);
      const chart = await s.chart({ seriesId: id, width: 50, start: 0, end: 2000 });
      expect(Array.from(chart.buckets.maxV)).toEqual(Array.from(chartBefore.buckets.maxV));
    };
    await check(store);
    await store.close();
    store = await Store.open({ dir });
    try {
      await check(store);
      expect(existsSync(join(dir, 'cold', files[0] as string))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('moves points older than a maximum age', async () => {
    const dir = tempDir();
    const store = await Store.open({ dir });
    try {
      const run = await store.createRun();
      await store.openRun(run.id);
      const id = store.defineSeries(run.id, { name: 'loss' }).id;
      const now = Date.now();
      store.ingestor.ingest({
        length: 4,
        series: new Uint32Array(4).fill(id),
        x: Float64Array.of(0, 1, 2, 3),
        time: Float64Array.of(now - 3_600_000, now - 3_500_000, now - 1000, now),
        value: Float64Array.of(1, 2, 3, 4),
      });
      expect(await store.applyRetention({ maxAgeMs: 60_000 })).toBe(2);
      expect(await store.applyRetention({ maxAgeMs: 60_000 })).toBe(0);
      const all = await store.readPoints({ series: [id] });
      expect(Array.from(all.value)).toEqual([1, 2, 3, 4]);
    } finally {
      await store.close();
    }
  });
});

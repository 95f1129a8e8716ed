import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { DB_FILE, Store } from '../src/index.js';
import { repairLevels } from '../src/store/recovery.js';
import { asRef, bruteM4 } from './brute-m4.js';
import { readRows as rows, tempDir } from './helpers.js';

// The writer keeps each series' newest bucket of every level in memory until a later bucket
// starts (so a live series costs no rewrite of its level rows on every flush): these tests hold
// chart reads to a naive M4 over the raw points through everything that moves those buckets.

interface Series {
  id: number;
  xs: number[];
  vs: number[];
}

/** Chart reads at widths that read level 0 up to the coarsest level, each checked against the raw points. */
async function expectExactCharts(store: Store, all: Series[]): Promise<void> {
  for (const s of all) {
    const sources = new Set<string>();
    for (const width of [2000, 300, 40, 3]) {
      const data = await store.chart({ seriesId: s.id, width });
      sources.add(String(data.source));
      expect(asRef(data), `series ${s.id} at ${width} px`).toEqual(
        bruteM4(s.xs, s.vs, data.pixelExp, data.start, data.end),
      );
    }
    expect([...sources].some((source) => source !== 'raw')).toBe(true);
  }
}

function ingest(store: Store, s: Series, xs: number[]): void {
  const vs = xs.map((x, i) => (i % 97 === 0 ? Number.NaN : Math.sin(x / 300) * 10 + (x % 13)));
  s.xs.push(...xs);
  s.vs.push(...vs);
  const n = xs.length;
  store.ingestor.ingest({
    length: n,
    series: new Uint32Array(n).fill(s.id),
    x: Float64Array.from(xs),
    time: Float64Array.from(xs, (x) => 1.7e12 + x),
    value: Float64Array.from(vs),
  });
}

async function levelSums(file: string): Promise<number[][]> {
  const out: number[][] = [];
  for (let level = 0; level < 6; level++) {
    out.push(
      (await rows(file, `SELECT series_id, sum(cnt) FROM agg${level} GROUP BY series_id ORDER BY series_id`)).flat(),
    );
  }
  return out;
}

describe('newest buckets held by the writer', () => {
  it('charts stay exact as buckets are held, written out past the cap, taken up again, and after reopen', async () => {
    const dir = tempDir();
    // Two series at most hold buckets: writing to four in turn writes the others' out each flush.
    let store = await Store.open({ dir, flushIntervalMs: 60_000, maxHeldSeries: 2 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const all: Series[] = ['a', 'b', 'c', 'd'].map((name) => ({
      id: store.defineSeries(run.id, { name }).id,
      xs: [],
      vs: [],
    }));
    for (let round = 0; round < 6; round++) {
      for (const [k, s] of all.entries()) {
        const from = round * 4000;
        // steady steps; series d also goes back into buckets written long ago
        const xs = Array.from({ length: 4000 }, (_, i) => from + i);
        if (k === 3 && round > 0) xs.push(...Array.from({ length: 50 }, (_, i) => (round - 1) * 4000 + i * 61));
        ingest(store, s, xs);
        await store.flush();
      }
      await expectExactCharts(store, all);
    }
    await store.close();
    const counts = all.map((s) => [s.id, s.xs.length]);
    expect(await levelSums(join(dir, DB_FILE))).toEqual(Array.from({ length: 6 }, () => counts.flat()));

    store = await Store.open({ dir });
    await store.openRun(run.id);
    await expectExactCharts(store, all);
    // buckets written at close are taken up again by the next points
    for (const s of all)
      ingest(
        store,
        s,
        Array.from({ length: 500 }, (_, i) => 24_000 + i),
      );
    await store.flush();
    await expectExactCharts(store, all);
    await store.close();
  }, 120_000);

  it('points in order append their buckets: no upsert on any flush, and charts stay exact', async () => {
    const dir = tempDir();
    const store = await Store.open({ dir, flushIntervalMs: 60_000 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const all: Series[] = ['a', 'b'].map((name) => ({ id: store.defineSeries(run.id, { name }).id, xs: [], vs: [] }));
    // Each flush starts new buckets at every level, closing the ones held from the flush before.
    for (let round = 0; round < 8; round++) {
      for (const s of all)
        ingest(
          store,
          s,
          Array.from({ length: 70_000 }, (_, i) => round * 70_000 + i),
        );
      await store.flush();
    }
    expect(store.ingestor.mergedBuckets).toBe(0);
    await expectExactCharts(store, all);
    // A point back in a bucket already written is merged into it.
    const [a] = all as [Series];
    ingest(store, a, [1234.5]);
    await store.flush();
    expect(store.ingestor.mergedBuckets).toBeGreaterThan(0);
    await expectExactCharts(store, all);
    await store.close();
  }, 120_000);

  it('an owner that dies leaves its held buckets out of the tables; the next open recomputes them', async () => {
    const live = await Store.open({ dir: tempDir(), flushIntervalMs: 60_000 });
    const crashed = join(tempDir(), 'store');
    const all: Series[] = [];
    try {
      const run = await live.createRun();
      await live.openRun(run.id);
      for (const name of ['a', 'b']) all.push({ id: live.defineSeries(run.id, { name }).id, xs: [], vs: [] });
      for (let round = 0; round < 3; round++) {
        for (const s of all)
          ingest(
            live,
            s,
            Array.from({ length: 30_000 }, (_, i) => round * 30_000 + i),
          );
        await live.flush();
      }
      // The files as kill -9 leaves them: the last commit in the log, the held buckets nowhere.
      mkdirSync(crashed);
      copyFileSync(live.file, join(crashed, DB_FILE));
      if (existsSync(`${live.file}.wal`)) copyFileSync(`${live.file}.wal`, join(crashed, `${DB_FILE}.wal`));
    } finally {
      await live.close();
    }
    const before = await levelSums(join(crashed, DB_FILE));
    for (const level of before) {
      for (let k = 1; k < level.length; k += 2) expect(level[k]).toBeLessThan(90_000);
    }

    // The same files recovered by the set-wise path (used past a few thousand series).
    const viaJoin = join(tempDir(), 'store');
    mkdirSync(viaJoin);
    for (const f of [DB_FILE, `${DB_FILE}.wal`]) {
      if (existsSync(join(crashed, f))) copyFileSync(join(crashed, f), join(viaJoin, f));
    }
    const instance = await DuckDBInstance.create(join(viaJoin, DB_FILE));
    const c = await instance.connect();
    const repaired = await repairLevels(c, 'points', () => 0, 0);
    c.closeSync();
    instance.closeSync();
    expect(repaired.rebuiltLevels).toEqual([]);

    const store = await Store.open({ dir: crashed });
    try {
      expect(store.rebuiltLevels).toEqual([]);
      expect([...store.refilledLevels].sort()).toEqual(all.map((s) => s.id).sort());
      await expectExactCharts(store, all);
    } finally {
      await store.close();
    }
    const counts = all.flatMap((s) => [s.id, 90_000]);
    expect(await levelSums(join(crashed, DB_FILE))).toEqual(Array.from({ length: 6 }, () => counts));
    const levels = async (file: string) => {
      const out: number[][][] = [];
      for (let level = 0; level < 6; level++)
        out.push(await rows(file, `SELECT * FROM agg${level} ORDER BY series_id, b`));
      return out;
    };
    expect(await levels(join(viaJoin, DB_FILE))).toEqual(await levels(join(crashed, DB_FILE)));
  }, 120_000);
});

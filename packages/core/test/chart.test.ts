import { describe, expect, it } from 'vitest';
import { QueryError, type Store, Store as StoreClass, UnknownSeriesError } from '../src/index.js';
import { asRef, bruteM4 } from './brute-m4.js';
import { batchOf, openStore, tempDir } from './helpers.js';

async function seriesWith(store: Store, xs: number[], vs: number[], chunk = 10_000) {
  const run = await store.createRun();
  await store.openRun(run.id);
  const id = store.defineSeries(run.id, { name: 'loss' }).id;
  for (let off = 0; off < xs.length; off += chunk) {
    const n = Math.min(chunk, xs.length - off);
    store.ingestor.ingest({
      length: n,
      series: new Uint32Array(n).fill(id),
      x: Float64Array.from(xs.slice(off, off + n)),
      time: Float64Array.from({ length: n }, (_, i) => 1.7e12 + off + i),
      value: Float64Array.from(vs.slice(off, off + n)),
    });
    await store.flush();
  }
  return id;
}

describe('chart reads (M4 on a power-of-two grid)', () => {
  it('equal a naive M4 over the raw points at every zoom, from levels and from raw', async () => {
    const store = await openStore();
    const n = 200_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const vs = xs.map((x) => Math.sin(x / 500) + (x % 7919 === 0 ? 50 : 0) + (x % 10007 === 0 ? Number.NaN : 0));
    const id = await seriesWith(store, xs, vs, 30_000);
    const sources = new Set<string>();
    for (const [width, start, end] of [
      [1000, undefined, undefined],
      [300, 0, n - 1],
      [2000, 12_345, 67_890],
      [800, 100_000, 100_400],
      [50, 5, 9],
    ] as const) {
      const data = await store.chart({ seriesId: id, width, ...(start !== undefined ? { start, end } : {}) });
      sources.add(String(data.source));
      expect(data.buckets.length).toBeLessThanOrEqual(width + 1);
      expect(asRef(data)).toEqual(bruteM4(xs, vs, data.pixelExp, data.start, data.end));
    }
    expect(sources.has('raw')).toBe(true);
    expect([...sources].some((s) => s !== 'raw')).toBe(true);
  });

  it('keeps a one-point spike visible when a million points share 500 pixels', async () => {
    const store = await openStore();
    const n = 1_000_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const vs = xs.map((x) => (x === 654_321 ? 1e6 : Math.cos(x)));
    const id = await seriesWith(store, xs, vs, 250_000);
    const data = await store.chart({ seriesId: id, width: 500 });
    expect(data.source).not.toBe('raw');
    const max = Math.max(...data.buckets.maxV);
    expect(max).toBe(1e6);
    const at = data.buckets.maxV.indexOf(1e6);
    expect(data.buckets.maxX[at]).toBe(654_321);
    expect(data.last).toMatchObject({ x: n - 1, value: Math.cos(n - 1) });
  });

  it('gives the same buckets on every refresh and only the newest buckets change as data arrives', async () => {
    const store = await openStore();
    const xs = Array.from({ length: 50_000 }, (_, i) => i);
    const id = await seriesWith(store, xs, xs.map(Math.sqrt));
    const first = await store.chart({ seriesId: id, width: 400, start: 0, end: 60_000 });
    const again = await store.chart({ seriesId: id, width: 400, start: 0, end: 60_000 });
    expect(asRef(again)).toEqual(asRef(first));
    const run = (await store.getSeries(id)).runId;
    expect(run).toBeTruthy();
    store.ingestor.ingest({
      length: 1000,
      series: new Uint32Array(1000).fill(id),
      x: Float64Array.from({ length: 1000 }, (_, i) => 50_000 + i),
      time: new Float64Array(1000).fill(1.8e12),
      value: Float64Array.from({ length: 1000 }, (_, i) => Math.sqrt(50_000 + i)),
    });
    await store.flush();
    const later = asRef(await store.chart({ seriesId: id, width: 400, start: 0, end: 60_000 }));
    const before = asRef(first);
    const boundary = Math.floor(50_000 / 2 ** first.pixelExp);
    expect(later.filter((b) => (b.k as number) < boundary)).toEqual(before.filter((b) => (b.k as number) < boundary));
    expect(later.length).toBeGreaterThan(before.length);
  });

  it('says how many points a read reflects: the cursor live points go on from, with none missed', async () => {
    const store = await openStore();
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const id = await seriesWith(store, xs, xs);
    const ingest = (from: number, n: number) =>
      store.ingestor.ingest({
        length: n,
        series: new Uint32Array(n).fill(id),
        x: Float64Array.from({ length: n }, (_, i) => from + i),
        time: new Float64Array(n).fill(1.8e12),
        value: Float64Array.from({ length: n }, (_, i) => from + i),
      });
    const drawn = (c: { buckets: { count: Float64Array; length: number } }) =>
      c.buckets.count.subarray(0, c.buckets.length).reduce((a, b) => a + b, 0);
    const whole = { seriesId: id, width: 300, start: 0, end: 1e6 };
    expect((await store.chart(whole)).points).toBe(100);
    ingest(100, 50); // acknowledged, not committed: not in the read, not counted
    const pending = await store.chart(whole);
    expect([pending.points, drawn(pending)]).toEqual([100, 100]);
    await store.flush();
    expect((await store.chart(whole)).points).toBe(150);
    // Reads racing commits: a read never counts a point it does not hold (a live cursor there
    // would skip it), and without a commit landing during it, it holds exactly what it counts.
    let stop = false;
    const writer = (async () => {
      for (let at = 150; !stop; at += 20) {
        ingest(at, 20);
        await store.flush();
      }
    })();
    for (let i = 0; i < 30; i++) {
      const c = await store.chart(whole);
      expect(drawn(c)).toBeGreaterThanOrEqual(c.points);
    }
    stop = true;
    await writer;
    const still = await store.chart(whole);
    expect(drawn(still)).toBe(still.points);
  });

  it('merges out-of-order points into the right buckets', async () => {
    const store = await openStore();
    const xs = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 20_000);
    const vs = xs.map((x) => x * 2);
    const id = await seriesWith(store, xs, vs, 3000);
    const data = await store.chart({ seriesId: id, width: 100 });
    expect(asRef(data)).toEqual(bruteM4(xs, vs, data.pixelExp, data.start, data.end));
  });

  it('draws a series whose points share one x (one sample of a short run), on both axes and at any magnitude', async () => {
    const store = await openStore();
    for (const [xs, vs] of [
      [[0], [0.5]],
      [[7], [3]],
      [
        [1.7e12, 1.7e12],
        [1, 2],
      ],
      [[-3e-300], [4]],
    ] as const) {
      const id = await seriesWith(store, [...xs], [...vs]);
      for (const axis of ['x', 'time'] as const) {
        const data = await store.chart({ seriesId: id, width: 32, axis });
        expect(data.buckets.length, `${xs} ${axis}`).toBe(axis === 'x' ? 1 : xs.length);
        expect(data.buckets.count.reduce((a, b) => a + b, 0)).toBe(xs.length);
        expect(Math.min(...data.buckets.minV)).toBe(Math.min(...vs));
        expect(Math.max(...data.buckets.maxV)).toBe(Math.max(...vs));
      }
    }
  });

  it('reads by wall time too', async () => {
    const store = await openStore();
    const xs = Array.from({ length: 5000 }, (_, i) => i);
    const id = await seriesWith(
      store,
      xs,
      xs.map((x) => -x),
    );
    const data = await store.chart({ seriesId: id, width: 100, axis: 'time' });
    expect(data.buckets.length).toBeGreaterThan(0);
    expect(data.buckets.count.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(Math.min(...data.buckets.minV)).toBe(-4999);
  });

  it('buckets raw points the same whether it reads them itself or past its cap lets DuckDB aggregate them', async () => {
    const store = await openStore();
    const n = 20_000;
    const xs = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const vs = xs.map((x) => (x % 997 === 0 ? Number.NaN : Math.sin(x / 300) + (x === 12_345 ? 9 : 0)));
    const id = await seriesWith(store, xs, vs, 4000);
    const times = Array.from({ length: n }, (_, i) => 1.7e12 + i);
    const byTime = new Map(times.map((t, i) => [t, vs[i] as number]));
    // 3 pixels over 20k points is past the cap (DuckDB's GROUP BY); 1000 pixels is under it.
    for (const width of [2, 1000]) {
      const data = await store.chart({ seriesId: id, width, axis: 'time' });
      expect(data.source).toBe('raw');
      expect(asRef(data)).toEqual(bruteM4(times, vs, data.pixelExp, data.start, data.end));
      const b = data.buckets;
      for (let i = 0; i < b.length; i++) {
        if (Number.isNaN(b.minV[i])) continue;
        expect(byTime.get(b.minX[i] as number)).toBe(b.minV[i]);
        expect(byTime.get(b.maxX[i] as number)).toBe(b.maxV[i]);
      }
    }
    const near = await store.chart({ seriesId: id, width: 800, start: 12_000, end: 12_600 });
    expect(near.source).toBe('raw');
    expect(asRef(near)).toEqual(bruteM4(xs, vs, near.pixelExp, near.start, near.end));
    expect(Math.max(...near.buckets.maxV)).toBe(Math.sin(12_345 / 300) + 9);
  });

  it('refuses bad widths, reversed ranges, unknown axes and unknown series', async () => {
    const store = await openStore();
    const id = await seriesWith(store, [1, 2, 3], [1, 2, 3]);
    await expect(store.chart({ seriesId: id, width: 0 })).rejects.toThrow(QueryError);
    await expect(store.chart({ seriesId: id, width: 10, start: 5, end: 1 })).rejects.toThrow(/after end/);
    await expect(store.chart({ seriesId: id, width: 10, start: Number.NaN, end: 1 })).rejects.toThrow(/finite/);
    await expect(store.chart({ seriesId: id, width: 10, axis: 'y' as 'x' })).rejects.toThrow(/axis/);
    await expect(store.chart({ seriesId: 9999, width: 10 })).rejects.toThrow(UnknownSeriesError);
  });

  it('reads a series of an earlier run as stored, and follows it once this store writes to it again', async () => {
    const dir = tempDir();
    const first = await StoreClass.open({ dir });
    const run = await first.createRun();
    const id = first.defineSeries(run.id, { name: 'loss' }).id;
    first.ingestor.ingest(batchOf([id, id, id], [0, 1, 2], [5, 6, 7]));
    await first.close();
    const store = await StoreClass.open({ dir });
    try {
      for (let i = 0; i < 2; i++) {
        const c = await store.chart({ seriesId: id, width: 100 });
        expect([c.points, c.last?.x, c.last?.value]).toEqual([3, 2, 7]);
      }
      await store.openRun(run.id);
      store.ingestor.ingest(batchOf([id, id], [3, 4], [8, 9]));
      await store.flush();
      const c = await store.chart({ seriesId: id, width: 100 });
      expect([c.points, c.last?.x, c.last?.value]).toEqual([5, 4, 9]);
    } finally {
      await store.close();
    }
  });
});

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { BatchError, DB_FILE, QueryError, Store, UnknownRunError, UnknownSeriesError } from '../src/index.js';
import { batchOf, openStore, tempDir } from './helpers.js';

describe('runs', () => {
  it('creates, updates, lists and filters runs and projects', async () => {
    const store = await openStore();
    const a = await store.createRun({ project: 'mnist', name: 'baseline', params: { lr: 0.1 }, tags: ['cnn'] });
    const b = await store.createRun({ project: 'mnist', name: 'wide', host: { cpuCount: 8, gpuCount: 2 } });
    await store.createRun({ project: 'cifar' });
    expect(a.status).toBe('running');
    const done = await store.updateRun(a.id, {
      status: 'failed',
      exitCode: 3,
      errorMessage: 'CUDA OOM',
      params: { bs: 32 },
    });
    expect(done).toMatchObject({
      status: 'failed',
      exitCode: 3,
      errorMessage: 'CUDA OOM',
      params: { lr: 0.1, bs: 32 },
    });
    expect(done.endedAt).toBeGreaterThan(0);
    expect((await store.listRuns({ project: 'mnist' })).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect((await store.listRuns({ status: 'failed' })).map((r) => r.id)).toEqual([a.id]);
    expect((await store.listRuns({ tag: 'cnn' })).map((r) => r.id)).toEqual([a.id]);
    expect((await store.listRuns({ name: 'wid' })).map((r) => r.id)).toEqual([b.id]);
    expect(await store.listProjects()).toMatchObject([
      { name: 'cifar', runCount: 1 },
      { name: 'mnist', runCount: 2 },
    ]);
    expect((await store.getRun(b.id)).host).toEqual({ cpuCount: 8, gpuCount: 2 });
  });

  it('lists runs as they are after each change, whether or not this store object has seen them', async () => {
    const dir = tempDir();
    const first = await Store.open({ dir });
    const a = await first.createRun({ project: 'p', name: 'a', params: { lr: 0.1 } });
    await sleep(5); // newest first: apart by creation time, not by id
    const b = await first.createRun({ project: 'p', name: 'b' });
    await first.close();
    const store = await openStore({ dir });
    // Not seen yet: read from the table, params and all.
    const listed = await store.listRuns({ project: 'p' });
    expect(listed.map((r) => [r.id, r.name, r.params])).toEqual([
      [b.id, 'b', {}],
      [a.id, 'a', { lr: 0.1 }],
    ]);
    // Seen, then changed: the next list has the change, and filters see it too.
    await store.updateRun(a.id, { status: 'completed', exitCode: 0, params: { bs: 8 } });
    const again = await store.listRuns({ project: 'p' });
    expect(again.find((r) => r.id === a.id)).toMatchObject({
      status: 'completed',
      exitCode: 0,
      params: { lr: 0.1, bs: 8 },
    });
    expect((await store.listRuns({ status: 'running' })).map((r) => r.id)).toEqual([b.id]);
    expect((await store.listRuns({ status: 'completed' }))[0]).toMatchObject({ id: a.id, status: 'completed' });
    // An update makes a new object; the one handed out before is left as it was.
    expect(listed[1]?.status).toBe('running');
    await sleep(5);
    const c = await store.createRun({ project: 'p', name: 'c' });
    expect((await store.listRuns({ project: 'p', limit: 2 })).map((r) => r.id)).toEqual([c.id, b.id]);
    expect((await store.listRuns({ project: 'p', limit: 2, offset: 2 })).map((r) => r.id)).toEqual([a.id]);
    await store.close();
    // A fresh store object reads the same from the table.
    const reopened = await openStore({ dir });
    expect((await reopened.listRuns({ project: 'p' })).map((r) => [r.id, r.status, r.params])).toEqual([
      [c.id, 'running', {}],
      [b.id, 'running', {}],
      [a.id, 'completed', { lr: 0.1, bs: 8 }],
    ]);
  });

  it('refuses unknown run ids and duplicate or malformed ids with typed errors', async () => {
    const store = await openStore();
    await expect(store.getRun('nope')).rejects.toThrow(UnknownRunError);
    await expect(store.updateRun('nope', { status: 'completed' })).rejects.toThrow(UnknownRunError);
    await store.createRun({ id: 'job-1' });
    await expect(store.createRun({ id: 'job-1' })).rejects.toThrow(/already exists/);
    await expect(store.createRun({ id: '../etc' })).rejects.toThrow(QueryError);
    expect(() => store.defineSeries('nope', { name: 'x' })).toThrow(UnknownRunError);
  });

  it('stores names, params and tags holding SQL and markup as plain data', async () => {
    const store = await openStore();
    const evil = "x'); DROP TABLE points; --<script>alert(1)</script>";
    const run = await store.createRun({ name: evil, params: { [evil]: evil }, tags: [evil] });
    await store.openRun(run.id);
    const s = store.defineSeries(run.id, { name: `train/${evil}` });
    store.ingestor.ingest(batchOf([s.id], [0], [1]));
    await store.flush();
    expect((await store.getRun(run.id)).name).toBe(evil);
    expect((await store.listRuns({ tag: evil })).length).toBe(1);
    expect((await store.listSeries(run.id))[0]?.name).toBe(`train/${evil}`);
  });
});

describe('series and points', () => {
  it('defines a series once per (name, labels) and keeps its metadata', async () => {
    const store = await openStore();
    const run = await store.createRun();
    await store.openRun(run.id);
    const a = store.defineSeries(run.id, {
      name: 'gpu/0/utilization',
      kind: 'system',
      unit: 'fraction',
      labels: { gpu: '0', node: 'n1' },
      scale: { units: '%', lower: 0, upper: 1 },
    });
    expect(store.defineSeries(run.id, { name: 'gpu/0/utilization', labels: { node: 'n1', gpu: '0' } }).id).toBe(a.id);
    const b = store.defineSeries(run.id, { name: 'gpu/0/utilization', labels: { gpu: '0', node: 'n2' } });
    expect(b.id).not.toBe(a.id);
    await store.flush();
    const listed = await store.listSeries(run.id);
    expect(listed.find((s) => s.id === a.id)).toMatchObject({
      kind: 'system',
      group: 'gpu',
      unit: 'fraction',
      labels: { gpu: '0', node: 'n1' },
      scale: { units: '%', lower: 0, upper: 1 },
    });
  });

  it('keeps NaN and infinities, out-of-order x, and numbers points without x', async () => {
    const store = await openStore();
    const run = await store.createRun();
    await store.openRun(run.id);
    const s = store.defineSeries(run.id, { name: 'loss' }).id;
    const t = store.defineSeries(run.id, { name: 'lr' }).id;
    store.ingestor.ingest(
      batchOf([s, s, t, s, t], [10, 5, Number.NaN, 7, Number.NaN], [1, Number.NaN, 0.1, -Infinity, 0.2]),
    );
    store.ingestor.ingest(batchOf([s], [1], [Infinity]));
    await store.flush();
    const loss = await store.readPoints({ series: [s] });
    expect(Array.from(loss.x)).toEqual([1, 5, 7, 10]);
    expect(Array.from(loss.value)).toEqual([Infinity, Number.NaN, -Infinity, 1]);
    expect(Array.from(loss.n)).toEqual([3, 1, 2, 0]);
    const lr = await store.readPoints({ series: [t], by: 'n' });
    expect(Array.from(lr.x)).toEqual([0, 1]);
    expect(Array.from(lr.xGiven)).toEqual([0, 0]);
    expect(Array.from(loss.xGiven)).toEqual([1, 1, 1, 1]);
    const [sum] = await store.summaries([s]);
    expect(sum).toMatchObject({
      count: 4,
      nonFinite: 3,
      last: 1,
      lastX: 10,
      min: -Infinity,
      max: Infinity,
      mean: 1,
      std: 0,
    });
  });

  it('pages full-resolution reads by x, time and n without gaps or repeats', async () => {
    const store = await openStore();
    const run = await store.createRun();
    await store.openRun(run.id);
    const a = store.defineSeries(run.id, { name: 'a' }).id;
    const b = store.defineSeries(run.id, { name: 'b' }).id;
    const n = 2500;
    const series = Array.from({ length: n * 2 }, (_, i) => (i % 2 ? b : a));
    const xs = Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2) % 100); // many equal x values
    store.ingestor.ingest(
      batchOf(
        series,
        xs,
        xs.map((x, i) => x + i / 1e6),
      ),
    );
    await store.flush();
    for (const by of ['x', 'time', 'n'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.readPoints({ series: [a, b], by, limit: 333, ...(cursor ? { cursor } : {}) });
        for (let i = 0; i < page.length; i++) seen.push(`${page.series[i]}:${page.n[i]}`);
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(seen.length).toBe(n * 2);
      expect(new Set(seen).size).toBe(n * 2);
    }
    const ranged = await store.readPoints({ series: [a], by: 'x', start: 10, end: 11 });
    expect(ranged.length).toBe(50);
    await expect(store.readPoints({ series: [a], start: 5, end: 1 })).rejects.toThrow(/after end/);
    await expect(store.readPoints({ series: [a], cursor: 'garbage' })).rejects.toThrow(/cursor/);
    await expect(store.readPoints({ series: [999] })).rejects.toThrow(UnknownSeriesError);
  });

  it('refuses malformed batches and unknown series without keeping any of them', async () => {
    const store = await openStore();
    const run = await store.createRun();
    await store.openRun(run.id);
    const s = store.defineSeries(run.id, { name: 'a' }).id;
    expect(() =>
      store.ingestor.ingest({
        length: 2,
        series: Uint32Array.of(s, s),
        x: Float64Array.of(1),
        time: Float64Array.of(1, 2),
        value: Float64Array.of(1, 2),
      }),
    ).toThrow(BatchError);
    expect(() => store.ingestor.ingest(batchOf([s, 424242], [1, 2], [1, 2]))).toThrow(UnknownSeriesError);
    expect(() => store.ingestor.ingest(batchOf([s], [-Infinity], [1]))).toThrow(/x must be finite/);
    store.ingestor.ingest(batchOf([s], [1], [1]));
    await store.flush();
    expect((await store.summaries([s]))[0]?.count).toBe(1);
  });

  it('persists everything across close and reopen, and goes on numbering', async () => {
    const dir = tempDir();
    let store = await Store.open({ dir });
    const run = await store.createRun({ project: 'p' });
    await store.openRun(run.id);
    const s = store.defineSeries(run.id, { name: 'train/loss' }).id;
    store.ingestor.ingest(batchOf([s, s], [0, 1], [0.9, 0.8]));
    store.appendLogs(run.id, [{ text: 'epoch 1', stream: 'stdout' }]);
    await store.close();
    store = await Store.open({ dir });
    try {
      await store.openRun(run.id);
      expect(store.defineSeries(run.id, { name: 'train/loss' }).id).toBe(s);
      store.ingestor.ingest(batchOf([s], [Number.NaN], [0.7]));
      store.appendLogs(run.id, [{ text: 'epoch 2', stream: 'stdout' }]);
      await store.flush();
      const pts = await store.readPoints({ series: [s], by: 'n' });
      expect(Array.from(pts.value)).toEqual([0.9, 0.8, 0.7]);
      expect(Array.from(pts.x)).toEqual([0, 1, 2]);
      expect((await store.readLogs(run.id)).map((l) => [l.n, l.text, l.stream])).toEqual([
        [0, 'epoch 1', 'stdout'],
        [1, 'epoch 2', 'stdout'],
      ]);
      expect((await store.readLogs(run.id, { tail: 1 })).map((l) => l.text)).toEqual(['epoch 2']);
    } finally {
      await store.close();
    }
  });

  it('flushes on its timer without being asked', async () => {
    const store = await openStore({ flushIntervalMs: 30 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const s = store.defineSeries(run.id, { name: 'a' }).id;
    store.ingestor.ingest(batchOf([s], [1], [1]));
    for (let i = 0; i < 100 && store.ingestor.committed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(store.ingestor.committed).toBe(1);
    expect(store.ingestor.pending).toBe(0);
  });

  it('tells the next point position of a series, counting points not yet committed', async () => {
    const dir = tempDir();
    const store = await Store.open({ dir, flushIntervalMs: 60_000 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const a = store.defineSeries(run.id, { name: 'a' }).id;
    const b = store.defineSeries(run.id, { name: 'b' }).id;
    expect(store.ingestor.nextIndex(a)).toBe(0);
    store.ingestor.ingest(batchOf([a, a, b, a], [1, 2, 1, 3], [1, 2, 3, 4]));
    expect([store.ingestor.nextIndex(a), store.ingestor.nextIndex(b)]).toEqual([3, 1]);
    await store.flush();
    store.ingestor.ingest(batchOf([b], [2], [5]));
    expect([store.ingestor.nextIndex(a), store.ingestor.nextIndex(b)]).toEqual([3, 2]);
    expect(() => store.ingestor.nextIndex(9999)).toThrow(UnknownSeriesError);
    await store.close();
    const again = await Store.open({ dir });
    await again.openRun(run.id);
    expect([again.ingestor.nextIndex(a), again.ingestor.nextIndex(b)]).toEqual([3, 2]);
    await again.close();
  });

  it('lists a series defined before the call while flushes commit it during the read', async () => {
    const store = await openStore({ flushIntervalMs: 1 });
    // a large series table makes the listing's query slow enough for flushes to commit meanwhile
    const other = await store.createRun();
    await store.openRun(other.id);
    for (let i = 0; i < 200_000; i++) store.defineSeries(other.id, { name: `o${i}` });
    await store.flush();
    const run = await store.createRun();
    await store.openRun(run.id);
    const tick = store.defineSeries(run.id, { name: 'tick' }).id;
    const missed: number[] = [];
    for (let round = 0; round < 20; round++) {
      const id = store.defineSeries(run.id, { name: `s${round}` }).id;
      const listing = store.listSeries(run.id);
      await sleep(1); // its query has started
      // the first flush commits the series, the second one writes the next batch (no series)
      for (let k = 0; k < 2; k++) {
        store.ingestor.ingest(batchOf([tick], [round * 2 + k], [k]));
        await store.flush();
      }
      if (!(await listing).some((s) => s.id === id)) missed.push(round);
    }
    expect(missed).toEqual([]);
    await store.close();
  });

  it("summarizes named series across runs in one call: a run list's summary columns", async () => {
    const dir = tempDir();
    const first = await Store.open({ dir });
    const runs = [await first.createRun(), await first.createRun(), await first.createRun()];
    const ids: number[] = [];
    for (const [i, run] of runs.entries()) {
      await first.openRun(run.id);
      const loss = first.defineSeries(run.id, { name: 'loss' }).id;
      // Two series of one name (labels differ): the first defined answers.
      const util = first.defineSeries(run.id, { name: "it's util", labels: { gpu: '0' } }).id;
      const util1 = first.defineSeries(run.id, { name: "it's util", labels: { gpu: '1' } }).id;
      first.ingestor.ingest(batchOf([loss, loss, util, util1], [0, 1, 0, 0], [1 + i, 0.5 + i, 10, 99]));
      ids.push(loss);
    }
    await first.close();
    const store = await openStore({ dir, flushIntervalMs: 60_000 });
    // A run this process writes to, with a series defined and not yet flushed.
    await store.openRun(runs[2]!.id);
    const fresh = store.defineSeries(runs[2]!.id, { name: 'fresh' }).id;
    const got = await store.runSummaries(
      [runs[0]!.id, runs[1]!.id, runs[2]!.id, 'no-such-run'],
      ['loss', "it's util", 'fresh', 'absent'],
    );
    expect([...got.keys()].sort()).toEqual(runs.map((r) => r.id).sort());
    expect(got.get(runs[1]!.id)?.get('loss')).toMatchObject({
      seriesId: ids[1],
      count: 2,
      last: 1.5,
      min: 1.5,
      max: 2,
    });
    expect(got.get(runs[0]!.id)?.get("it's util")).toMatchObject({ count: 1, last: 10 });
    expect(got.get(runs[2]!.id)?.get('fresh')).toMatchObject({ seriesId: fresh, count: 0, last: null });
    expect(got.get(runs[0]!.id)?.has('absent')).toBe(false);
    // The same answers as one summaries call per series.
    const [one] = await store.summaries([ids[2] as number]);
    expect(got.get(runs[2]!.id)?.get('loss')).toEqual(one);
    // Names a SQL text cannot hold are still answered.
    expect((await store.runSummaries([runs[0]!.id], ['a\u0000b', 'loss'])).get(runs[0]!.id)?.get('loss')?.count).toBe(
      2,
    );
  });

  it('answers summary columns with NaN, infinite, NULL and missing statistics as summaries() does', async () => {
    const dir = tempDir();
    const first = await Store.open({ dir });
    const run = await first.createRun();
    await first.openRun(run.id);
    const id = (name: string) => first.defineSeries(run.id, { name }).id;
    const [mixed, nan, inf, nulls, empty] = [id('mixed'), id('nan'), id('inf'), id('nulls'), id('empty')];
    first.ingestor.ingest(
      batchOf(
        [mixed, mixed, mixed, mixed, nan, nan, inf, nulls, nulls],
        [0, 1, 2, 3, 0, 1, 0, 0, 1],
        [Number.NaN, Infinity, 2, -Infinity, Number.NaN, Number.NaN, Infinity, 1, 3],
      ),
    );
    await first.close();
    // Statistics columns the store never leaves NULL, made NULL: read back as before.
    const instance = await DuckDBInstance.create(join(dir, DB_FILE));
    const c = await instance.connect();
    // (in both of the tables a series' statistics may be in, one per writer connection)
    for (const table of ['series_stats_a', 'series_stats_b']) {
      await c.run(`UPDATE ${table} SET last_v = NULL, last_x = NULL, last_t = NULL, min_v = NULL, max_v = NULL,
        mean = NULL, m2 = NULL WHERE series_id = ${nulls}`);
    }
    c.closeSync();
    instance.closeSync();
    const store = await openStore({ dir });
    const names = ['mixed', 'nan', 'inf', 'nulls', 'empty'];
    const got = (await store.runSummaries([run.id], names)).get(run.id);
    const ids = [mixed, nan, inf, nulls, empty];
    const one = await store.summaries(ids);
    expect(names.map((name) => got?.get(name))).toEqual(one);
    expect(got?.get('mixed')).toMatchObject({ count: 4, nonFinite: 3, last: -Infinity, min: -Infinity, max: Infinity });
    expect(got?.get('nan')).toMatchObject({ count: 2, nonFinite: 2, min: null, mean: null, std: null });
    expect(Number.isNaN(got?.get('nan')?.last)).toBe(true);
    expect(got?.get('inf')).toMatchObject({ count: 1, nonFinite: 1, last: Infinity, min: null });
    expect(got?.get('nulls')).toMatchObject({ count: 2, mean: 0, std: 0 });
    expect(Number.isNaN(got?.get('nulls')?.last)).toBe(true);
    expect(Number.isNaN(got?.get('nulls')?.min)).toBe(true);
    expect(got?.get('empty')).toMatchObject({ seriesId: empty, count: 0, last: null, lastX: null, min: null });
    await store.close();
  });

  it('keeps summary columns current after the first call: new runs, new series, new points', async () => {
    const dir = tempDir();
    const first = await Store.open({ dir });
    const old = await first.createRun();
    await first.openRun(old.id);
    const oldLoss = first.defineSeries(old.id, { name: 'loss' }).id;
    first.ingestor.ingest(batchOf([oldLoss, oldLoss], [0, 1], [3, 2]));
    await first.close();
    const store = await openStore({ dir });
    const before = await store.runSummaries([old.id], ['loss', 'acc']);
    expect(before.get(old.id)?.get('loss')).toMatchObject({ seriesId: oldLoss, count: 2, last: 2 });
    expect(before.get(old.id)?.has('acc')).toBe(false);
    // A new run with both names, one defined and not yet written.
    const run = await store.createRun();
    const loss = store.defineSeries(run.id, { name: 'loss' }).id;
    const acc = store.defineSeries(run.id, { name: 'acc' }).id;
    store.ingestor.ingest(batchOf([loss], [0], [9]));
    const pending = await store.runSummaries([old.id, run.id], ['loss', 'acc']);
    expect(pending.get(run.id)?.get('acc')).toMatchObject({ seriesId: acc, count: 0, last: null });
    await store.flush();
    const now = await store.runSummaries([old.id, run.id], ['loss', 'acc']);
    expect(now.get(run.id)?.get('loss')).toMatchObject({ seriesId: loss, count: 1, last: 9 });
    // A later series of the same name (other labels) does not take the column over.
    store.defineSeries(run.id, { name: 'loss', labels: { gpu: '1' } });
    expect((await store.runSummaries([run.id], ['loss'])).get(run.id)?.get('loss')?.seriesId).toBe(loss);
    // The old run taken up again: its summary follows the new points.
    await store.openRun(old.id);
    store.ingestor.ingest(batchOf([oldLoss], [2], [1]));
    await store.flush();
    expect((await store.runSummaries([old.id], ['loss'])).get(old.id)?.get('loss')).toMatchObject({
      count: 3,
      last: 1,
      min: 1,
    });
    await store.close();
    // A fresh store object answers the same from the tables.
    const reopened = await openStore({ dir });
    const again = await reopened.runSummaries([old.id, run.id], ['loss', 'acc']);
    expect(again.get(old.id)?.get('loss')).toMatchObject({ count: 3, last: 1 });
    expect(again.get(run.id)?.get('loss')).toMatchObject({ seriesId: loss, count: 1 });
    expect(again.get(run.id)?.get('acc')).toMatchObject({ seriesId: acc, count: 0 });
  });

  it('answers summary columns asked together, for runs asked later, while series are defined and written', async () => {
    const dir = tempDir();
    const first = await Store.open({ dir });
    const names = ['loss', 'acc', 'lr'];
    const runs: string[] = [];
    for (let r = 0; r < 6; r++) {
      const run = await first.createRun({ project: `p${r % 2}` });
      await first.openRun(run.id);
      // Each run defines the names in another order; every third has no 'acc'; odd runs have a
      // second 'loss' (other labels), defined after the first.
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length] as string;
        if (r % 3 === 0 && name === 'acc') continue;
        const id = first.defineSeries(run.id, { name }).id;
        first.ingestor.ingest(batchOf([id, id], [0, 1], [r, r * 10 + k]));
      }
      if (r % 2 === 1) {
        const extra = first.defineSeries(run.id, { name: 'loss', labels: { gpu: '1' } }).id;
        first.ingestor.ingest(batchOf([extra], [0], [-1]));
      }
      runs.push(run.id);
    }
    // A long series table, so that the first read is still running while series are defined.
    const other = await first.createRun({ project: 'other' });
    await first.openRun(other.id);
    for (let i = 0; i < 100_000; i++) first.defineSeries(other.id, { name: `o${i}` });
    await first.close();

    const store = await openStore({ dir, flushIntervalMs: 1 });
    // Maps compare in insertion order: as plain objects, keys sorted.
    const sorted = <V>(runs: Map<string, Map<string, V>>) =>
      Object.fromEntries(
        [...runs]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([runId, byName]) => [runId, Object.fromEntries([...byName].sort(([a], [b]) => a.localeCompare(b)))]),
      );
    // What each run's column must show: its lowest-id series of the name, with that series' summary.
    const expected = async (runIds: string[]) => {
      const out = new Map<string, Map<string, { seriesId: number; count: number; last: number | null }>>();
      for (const runId of runIds) {
        const byName = new Map<string, { seriesId: number; count: number; last: number | null }>();
        for (const series of await store.listSeries(runId)) {
          if (!names.includes(series.name) || byName.has(series.name)) continue;
          const [summary] = await store.summaries([series.id]);
          byName.set(series.name, { seriesId: series.id, count: summary?.count ?? -1, last: summary?.last ?? null });
        }
        if (byName.size > 0) out.set(runId, byName);
      }
      return sorted(out);
    };
    const answered = async (runIds: string[]) => {
      const got = await store.runSummaries(runIds, names);
      return sorted(
        new Map(
          [...got].map(([runId, byName]) => [
            runId,
            new Map([...byName].map(([name, s]) => [name, { seriesId: s.seriesId, count: s.count, last: s.last }])),
          ]),
        ),
      );
    };
    const p0 = runs.filter((_, r) => r % 2 === 0);
    const firstCall = store.runSummaries(p0, names);
    // While it reads: new runs with these names, flushed and not yet flushed.
    const fresh: string[] = [];
    for (let r = 0; r < 3; r++) {
      const run = await store.createRun({ project: 'p0' });
      const acc = store.defineSeries(run.id, { name: 'acc' }).id;
      store.defineSeries(run.id, { name: 'loss' });
      store.ingestor.ingest(batchOf([acc], [0], [100 + r]));
      if (r < 2) await store.flush();
      fresh.push(run.id);
    }
    await firstCall;
    // The counts settled (a flush timer could commit between the two reads below).
    await store.flush();
    expect(await answered([...p0, ...fresh])).toEqual(await expected([...p0, ...fresh]));
    // Runs no call asked about yet: their statistics are read now.
    const p1 = runs.filter((_, r) => r % 2 === 1);
    expect(await answered(p1)).toEqual(await expected(p1));
    expect((await answered(p1))[p1[0] as string]?.['loss']).toMatchObject({ count: 2, last: 12 });
    await store.close();
    // A fresh store object answers the same.
    const again = await openStore({ dir });
    const all = [...runs, ...fresh];
    const got = await again.runSummaries(all, names);
    expect(got.get(fresh[0] as string)?.get('acc')).toMatchObject({ count: 1, last: 100 });
    expect(got.get(runs[3] as string)?.get('loss')).toMatchObject({ count: 2, last: 30 });
    await again.close();
  });

  it('resolves flush only once everything ingested before the call is committed', async () => {
    const store = await openStore({ flushIntervalMs: 1 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const a = store.defineSeries(run.id, { name: 'a' }).id;
    const b = store.defineSeries(run.id, { name: 'b' }).id;
    for (let round = 0; round < 20; round++) {
      store.ingestor.ingest(batchOf([a, b], [round, round], [1, 2]));
      void store.flush();
      store.ingestor.ingest(batchOf([a], [round + 0.5], [3]));
      // two callers wait on the running flush; the second must also wait for the one the first starts
      void store.flush();
      await store.flush();
      expect(store.ingestor.committed).toBe(store.ingestor.accepted);
      expect((await store.listSeries(run.id)).length).toBe(2);
    }
    const [sa, sb] = await store.summaries([a, b]);
    expect(sa?.count).toBe(40);
    expect(sb?.count).toBe(20);
    const points = await store.readPoints({ series: [a], by: 'n' });
    expect(Array.from(points.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('export', () => {
  it('writes CSV and Parquet with run_id, series, x, wall_time, value at full resolution', async () => {
    const { readFileSync, existsSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const store = await openStore();
    const run = await store.createRun({ id: 'run-1' });
    await store.openRun(run.id);
    const loss = store.defineSeries(run.id, { name: 'train/loss' }).id;
    const g0 = store.defineSeries(run.id, { name: 'gpu_temp', labels: { gpu: '0' } }).id;
    const g1 = store.defineSeries(run.id, { name: 'gpu_temp', labels: { gpu: '1' } }).id;
    store.ingestor.ingest(
      batchOf(
        [loss, loss, g0, g1],
        [0, Number.NaN, 5, 5],
        [0.5, Number.NaN, 60, -Infinity],
        [Date.UTC(2026, 0, 2, 3, 4, 5, 678), 0, 0, 0],
      ),
    );
    const dir = tempDir();
    const csv = join(dir, 'out.csv');
    expect(await store.exportRun(run.id, csv, 'csv')).toBe(4);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('run_id,series,x,wall_time,value');
    expect(lines[1]).toBe('run-1,train/loss,0.0,2026-01-02T03:04:05.678Z,0.5');
    expect(lines[2]).toMatch(/^run-1,train\/loss,,1970-01-01T00:00:00\.000Z,nan$/i);
    expect(lines[3]).toMatch(/^run-1,gpu_temp\{gpu=0\},5\.0,/);
    expect(lines[4]).toMatch(/^run-1,gpu_temp\{gpu=1\},5\.0,.*,-inf$/i);
    expect(existsSync(`${csv}.partial-${process.pid}`)).toBe(false);
    const parquet = join(dir, 'out.parquet');
    const sizes: number[] = [];
    expect(await store.exportRun(run.id, parquet, 'parquet', { onBytes: (bytes) => sizes.push(bytes) })).toBe(4);
    // The last size heard is the file's, once it is in place.
    expect(sizes.at(-1)).toBe(statSync(parquet).size);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const rows = (await c.runAndReadAll(`SELECT series, x, value FROM '${parquet}'`)).getRows();
    expect(rows[0]).toEqual(['train/loss', 0, 0.5]);
    expect(rows[1]?.[1]).toBeNull();
    expect(Number.isNaN(rows[1]?.[2])).toBe(true);
    c.closeSync();
    db.closeSync();
    await expect(store.exportRun('nope', csv, 'csv')).rejects.toThrow(/No run/);
    await expect(store.exportRun(run.id, join(dir, 'missing-dir', 'x.csv'), 'csv')).rejects.toThrow();
    expect(existsSync(join(dir, 'missing-dir'))).toBe(false);
  });
});

describe('back-pressure by age', () => {
  it('ingestAsync waits until points acknowledged longer than maxAckAgeMs ago are committed', async () => {
    // no timer flush within the test: only the age rule can make ingestAsync flush
    const store = await openStore({ flushIntervalMs: 60_000, maxAckAgeMs: 30 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const a = store.defineSeries(run.id, { name: 'a' }).id;
    await store.ingestor.ingestAsync(batchOf([a], [0], [0]));
    expect(store.ingestor.committed).toBe(0); // young: acknowledged without waiting
    await new Promise((r) => setTimeout(r, 60));
    await store.ingestor.ingestAsync(batchOf([a], [1], [1]));
    // the first point was older than 30 ms: it was committed before the second was taken
    expect(store.ingestor.committed).toBe(1);
    expect(store.ingestor.pending).toBe(1);
  });

  it('ingestAsync waits while committing what is pending would take longer than maxCommitDelayMs', async () => {
    // neither the timer, the age rule nor the size rule flushes within the test
    const quiet = { flushIntervalMs: 60_000, maxAckAgeMs: 60_000, flushPoints: 10_000_000 };
    const n = 20_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const take = async (maxCommitDelayMs: number) => {
      const store = await openStore({ ...quiet, maxCommitDelayMs });
      const run = await store.createRun();
      await store.openRun(run.id);
      const a = store.defineSeries(run.id, { name: 'a' }).id;
      const batch = batchOf(Array(n).fill(a), xs, xs);
      await store.ingestor.ingestAsync(batch);
      await store.ingestor.flush(); // timed: the ingestor now knows its commit rate
      const seen: Array<[number, number]> = [];
      for (let k = 0; k < 3; k++) {
        await store.ingestor.ingestAsync(batch);
        seen.push([store.ingestor.committed, store.ingestor.pending]);
      }
      return seen;
    };
    // no delay allowed: every earlier point is committed before a batch is taken
    expect(await take(0)).toEqual([
      [n, n],
      [2 * n, n],
      [3 * n, n],
    ]);
    // time to spare: batches are taken at once and wait for a flush
    expect(await take(60_000)).toEqual([
      [n, n],
      [n, 2 * n],
      [n, 3 * n],
    ]);
  });
});

describe('store options', () => {
  it('refuses a thread count that is not a whole number from 1 to 1024, and takes the store only when given one', async () => {
    const dir = tempDir();
    for (const threads of [0, -1, 1.5, Number.NaN, Infinity, 1025, 1e9, '2' as unknown as number]) {
      await expect(Store.open({ dir, threads })).rejects.toThrow(
        /threads option must be a whole number from 1 to 1024/,
      );
    }
    const store = await Store.open({ dir, threads: 1 });
    await store.close();
  });
});

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { DB_FILE, OWNER_FILE, Store } from '../src/index.js';
import { readRows as rows, tempDir } from './helpers.js';

/** Offsets and types of the entries of a DuckDB write-ahead log (8-byte version entry, then size, checksum, payload). */
function walEntries(wal: Buffer): { offset: number; type: number }[] {
  const entries: { offset: number; type: number }[] = [];
  for (let offset = 8; offset + 16 <= wal.length; ) {
    const size = Number(wal.readBigUInt64LE(offset));
    // Payload starts with field 100 (the entry type) as a one-byte varint.
    entries.push({ offset, type: wal[offset + 16 + 2] as number });
    offset += 16 + size;
  }
  return entries;
}

const ROW_GROUP_DATA = 29;
const WAL_FLUSH = 100;

describe('opening a store after the owner died inside a flush', () => {
  // The state kill -9 leaves when it lands after DuckDB logged a large append but before the
  // commit marker: made exactly, by copying a live store's files and cutting the marker off.
  it('drops the points of the uncommitted flush that the log replay brings back, so nothing is doubled', async () => {
    const live = await Store.open({ dir: tempDir(), flushIntervalMs: 60_000, flushPoints: 10_000_000 });
    const crashed = join(tempDir(), 'store');
    try {
      const run = await live.createRun();
      await live.openRun(run.id);
      const id = live.defineSeries(run.id, { name: 'train/loss' }).id;
      const points = (from: number, n: number) => {
        const x = Float64Array.from({ length: n }, (_, i) => from + i);
        return { length: n, series: new Uint32Array(n).fill(id), x, time: x.map((v) => 1e12 + v), value: x };
      };
      live.ingestor.ingest(points(0, 1000));
      await live.flush();
      // Large enough that DuckDB writes the rows to the file and logs only a pointer to them.
      live.ingestor.ingest(points(1000, 300_000));
      await live.flush();
      mkdirSync(crashed);
      copyFileSync(live.file, join(crashed, DB_FILE));
      const wal = readFileSync(`${live.file}.wal`);
      const entries = walEntries(wal);
      expect(entries.at(-1)?.type, 'the last flush ends with its commit marker').toBe(WAL_FLUSH);
      expect(
        entries.map((e) => e.type),
        'the large append is logged as row-group data',
      ).toContain(ROW_GROUP_DATA);
      writeFileSync(join(crashed, `${DB_FILE}.wal`), wal.subarray(0, entries.at(-1)?.offset));
    } finally {
      await live.close();
    }

    const store = await Store.open({ dir: crashed });
    let dropped = 0;
    try {
      const [run] = await store.listRuns();
      await store.openRun(run?.id as string);
      const id = store.defineSeries(run?.id as string, { name: 'train/loss' }).id;
      expect(store.ingestor.nextIndex(id)).toBe(1000);
      expect((await store.summaries([id]))[0]?.count).toBe(1000);
      const n = 5000;
      const x = Float64Array.from({ length: n }, (_, i) => 1000 + i);
      store.ingestor.ingest({ length: n, series: new Uint32Array(n).fill(id), x, time: x, value: x });
      await store.flush();
      dropped = store.droppedUncommitted;
    } finally {
      await store.close();
    }
    const file = join(crashed, DB_FILE);
    // Before the fix: 306,000 rows, points 1000..300999 twice, statistics saying 6000.
    expect(await rows(file, 'SELECT count(*), count(DISTINCT n), min(n), max(n), sum(v) FROM points')).toEqual([
      [6000, 6000, 0, 5999, (5999 * 6000) / 2],
    ]);
    expect(await rows(file, 'SELECT count FROM series_stats')).toEqual([[6000]]);
    for (let level = 0; level < 6; level++) {
      expect(await rows(file, `SELECT sum(cnt) FROM agg${level}`)).toEqual([[6000]]);
    }
    expect(dropped).toBe(300_000);
  }, 60_000);
});

describe('opening a store whose M4 levels disagree with its points after an unclean shutdown', () => {
  it('rebuilds the levels of that series from the points, bucket for bucket as ingest built them', async () => {
    const dir = tempDir();
    const store = await Store.open({ dir, flushIntervalMs: 60_000 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const ids = ['a', 'b'].map((name) => store.defineSeries(run.id, { name }).id);
    const n = 20_000;
    for (let part = 0; part < 3; part++) {
      // Out-of-order and repeated x, NaN and ties in value, over several flushes.
      const x = Float64Array.from({ length: n }, (_, i) =>
        i % 7 === 0 ? Number.NaN : ((i * 7919) % 5000) + part * 1000,
      );
      const value = Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? Number.NaN : (i % 50) - part));
      for (const id of ids) {
        store.ingestor.ingest({ length: n, series: new Uint32Array(n).fill(id), x, time: x.map(() => 1e12), value });
      }
      await store.flush();
    }
    await store.close();
    const file = join(dir, DB_FILE);
    // Above level 0, ingest merges finer buckets, so among points tied for a bucket's min or max
    // it may keep another one than the first to arrive: same value, x compared at level 0 only.
    const levels = async () => {
      const all: number[][][] = [];
      for (let level = 0; level < 6; level++) {
        const ties = level === 0 ? '' : 'EXCLUDE (nx, mx)';
        all.push(await rows(file, `SELECT * ${ties} FROM agg${level} ORDER BY series_id, b`));
      }
      return all;
    };
    const built = await levels();
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    await c.run(`DELETE FROM agg0 WHERE series_id = ${ids[1]} AND b % 3 = 0`);
    await c.run(`UPDATE agg3 SET cnt = cnt + 5 WHERE series_id = ${ids[1]}`);
    c.closeSync();
    instance.closeSync();
    // The owner died without closing the store.
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: 2 ** 22 + 1, startedAt: 0 }));

    const reopened = await Store.open({ dir });
    const rebuilt = reopened.rebuiltLevels;
    await reopened.close();
    expect(rebuilt).toEqual([ids[1]]);
    expect(await levels()).toEqual(built);
  }, 60_000);
});

describe('opening a store whose log was replayed twice after an unclean shutdown', () => {
  it('keeps the first copy of every point number and counts the second copies it removed', async () => {
    const dir = tempDir();
    const store = await Store.open({ dir, flushIntervalMs: 60_000 });
    const run = await store.createRun();
    await store.openRun(run.id);
    const [a, b] = ['a', 'b'].map((name) => store.defineSeries(run.id, { name }).id) as [number, number];
    const n = 5000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    for (const id of [a, b]) {
      store.ingestor.ingest({
        length: n,
        series: new Uint32Array(n).fill(id),
        x,
        time: x.map((v) => 1e12 + v),
        value: x,
      });
    }
    await store.close();
    const file = join(dir, DB_FILE);
    // What a second replay of an append leaves: the same points again (here with other values,
    // so the test can tell which copy stayed).
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    await c.run(
      `INSERT INTO points SELECT series_id, n, x, t, -v, xa FROM points WHERE series_id = ${b} AND n >= 1000`,
    );
    c.closeSync();
    instance.closeSync();
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: 2 ** 22 + 1, startedAt: 0 }));

    const reopened = await Store.open({ dir });
    const removed = reopened.droppedDuplicates;
    const rebuilt = reopened.rebuiltLevels;
    await reopened.close();
    expect(removed).toBe(4000);
    expect(rebuilt).toEqual([]);
    expect(
      await rows(
        file,
        'SELECT series_id, count(*), count(DISTINCT n), min(v), sum(v) FROM points GROUP BY 1 ORDER BY 1',
      ),
    ).toEqual([
      [a, n, n, 0, (n * (n - 1)) / 2],
      [b, n, n, 0, (n * (n - 1)) / 2],
    ]);
  }, 60_000);
});

describe('runs left running by an owner that died', () => {
  it('are marked failed at their last point on the next open; ended runs and clean closes keep theirs', async () => {
    const dir = tempDir();
    let store = await Store.open({ dir, flushIntervalMs: 60_000 });
    const writing = await store.createRun({ name: 'writing' });
    const quiet = await store.createRun({ name: 'no points yet' });
    const done = await store.createRun({ name: 'done' });
    await store.updateRun(done.id, { status: 'completed', endedAt: 5 });
    await store.openRun(writing.id);
    const id = store.defineSeries(writing.id, { name: 'loss' }).id;
    store.ingestor.ingest({
      length: 2,
      series: Uint32Array.of(id, id),
      x: Float64Array.of(0, 1),
      time: Float64Array.of(1.7e12, 1.7e12 + 500),
      value: Float64Array.of(1, 0.5),
    });
    await store.close();
    // A clean close leaves running runs as they are (their process may go on with the next owner).
    store = await Store.open({ dir });
    expect(store.endedOrphanedRuns).toEqual([]);
    expect((await store.getRun(writing.id)).status).toBe('running');
    await store.close();

    // The owner died without closing the store.
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: 2 ** 22 + 1, startedAt: 0 }));
    store = await Store.open({ dir });
    try {
      expect([...store.endedOrphanedRuns].sort()).toEqual([writing.id, quiet.id].sort());
      const ended = await store.getRun(writing.id);
      expect(ended).toMatchObject({ status: 'failed', endedAt: 1.7e12 + 500 });
      expect(ended.errorMessage).toMatch(/stopped without ending it/);
      const empty = await store.getRun(quiet.id);
      expect(empty.status).toBe('failed');
      expect(empty.endedAt).toBe(empty.startedAt ?? empty.createdAt);
      expect(await store.getRun(done.id)).toMatchObject({ status: 'completed', endedAt: 5 });
    } finally {
      await store.close();
    }
  });
});

/**
 * Ingest: points/s through the public Ingestor into an on-disk store, beside
 * (a) DuckDB's own INSERT ... SELECT FROM range(n) of the same shape (the engine's ceiling) and
 * (b) the same points into SQLite (better-sqlite3) in MLflow's metrics table, batched transactions.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIGINT, BOOLEAN, DOUBLE, type DuckDBConnection, DuckDBInstance, UINTEGER } from '@duckdb/node-api';
import { ChunkAppender, Store } from '@trainscope/core';
import { type Benchmark, median } from '../lib/harness.ts';

const SERIES = 10;
const BATCH = 100_000;

function makeBatch(offset: number, n: number, ids: number[]) {
  const series = new Uint32Array(n);
  const x = new Float64Array(n);
  const time = new Float64Array(n);
  const value = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const i = offset + j;
    series[j] = ids[i % SERIES] as number;
    x[j] = Math.floor(i / SERIES);
    time[j] = 1.7e12 + i;
    value[j] = Math.sin(i);
  }
  return { length: n, series, x, time, value };
}

/** Wall time of a timed section, with the JS thread's busy time and the process's CPU time in it. */
interface Timing {
  ms: number;
  jsBusyMs: number;
  cpuMs: number;
  /** Ours: points per flush, and the share of flushes written while the one before committed. */
  flushes?: { points: number; overlapped: number };
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, jsBusyMs: performance.eventLoopUtilization(elu).active, cpuMs: (used.user + used.system) / 1000 };
}

async function trainscopeIngest(dir: string, total: number): Promise<Timing> {
  const store = await Store.open({ dir });
  const run = await store.createRun({ project: 'bench' });
  await store.openRun(run.id);
  const ids = Array.from({ length: SERIES }, (_, s) => store.defineSeries(run.id, { name: `train/metric_${s}` }).id);
  await store.flush();
  const batches = Array.from({ length: Math.ceil(total / BATCH) }, (_, b) =>
    makeBatch(b * BATCH, Math.min(BATCH, total - b * BATCH), ids),
  );
  const { ingestor } = store;
  const [flushes, overlapped] = [ingestor.flushes, ingestor.overlappedFlushes];
  const timing = await timed(async () => {
    for (const batch of batches) await ingestor.ingestAsync(batch);
    await store.flush();
  });
  const n = ingestor.flushes - flushes;
  timing.flushes = { points: total / n, overlapped: (ingestor.overlappedFlushes - overlapped) / n };
  await store.close();
  return timing;
}

async function duckdbRange(dir: string, total: number): Promise<Timing> {
  const db = await DuckDBInstance.create(join(dir, 'ceiling.duckdb'));
  const c = await db.connect();
  await c.run(
    'CREATE TABLE points (series_id UINTEGER NOT NULL, n BIGINT NOT NULL, x DOUBLE NOT NULL, t DOUBLE NOT NULL, v DOUBLE, xa BOOLEAN NOT NULL)',
  );
  const timing = await timed(async () => {
    await c.run(
      `INSERT INTO points SELECT (i % ${SERIES})::UINTEGER, i // ${SERIES}, (i // ${SERIES})::DOUBLE, 1.7e12 + i, sin(i), false FROM range(${total}) r(i)`,
    );
  });
  c.closeSync();
  db.closeSync();
  return timing;
}

/**
 * (a2) The same points alone, as the Ingestor writes them (data chunks through DuckDB's appender,
 * one transaction per 1M points), with no levels, statistics or planning: what the store pays
 * DuckDB before doing any work of its own. (a3) `overlap`: the same, in transactions of 500k
 * points on two connections, each commit running while the other connection appends the next
 * points: how far DuckDB goes past (a) when its commits are overlapped with the appending.
 */
async function duckdbAppender(dir: string, total: number, overlap: boolean): Promise<number> {
  const db = await DuckDBInstance.create(join(dir, 'appender.duckdb'));
  const connections = [await db.connect(), await db.connect()];
  const [c] = connections as [DuckDBConnection, DuckDBConnection];
  await c.run(
    'CREATE TABLE points (series_id UINTEGER NOT NULL, n BIGINT NOT NULL, x DOUBLE NOT NULL, t DOUBLE NOT NULL, v DOUBLE, xa BOOLEAN NOT NULL)',
  );
  const perTransaction = overlap ? 500_000 : 1_000_000;
  const chunks = new ChunkAppender([UINTEGER, BIGINT, DOUBLE, DOUBLE, DOUBLE, BOOLEAN]);
  const batches = [];
  for (let offset = 0; offset < total; offset += perTransaction) {
    const b = makeBatch(
      offset,
      Math.min(perTransaction, total - offset),
      Array.from({ length: SERIES }, (_, s) => s),
    );
    const n = new BigInt64Array(b.length);
    for (let j = 0; j < b.length; j++) n[j] = BigInt(b.x[j] as number);
    batches.push([b.series, n, b.x, b.time, b.value, new Uint8Array(b.length)] as const);
  }
  const start = performance.now();
  // Overlapped: while one connection commits, the other appends the next transaction's points.
  let committing: Promise<unknown> = Promise.resolve();
  for (const [k, columns] of batches.entries()) {
    const w = overlap ? (connections[k % 2] as DuckDBConnection) : c;
    await w.run('BEGIN TRANSACTION');
    const appender = await w.createAppender('points');
    chunks.append(appender, columns, 0, columns[0].length);
    appender.closeSync();
    await committing;
    committing = w.run('COMMIT');
    if (!overlap) await committing;
  }
  await committing;
  const ms = performance.now() - start;
  const stored = Number((await c.runAndReadAll('SELECT count(*) FROM points')).getRows()[0]?.[0]);
  if (stored !== total) throw new Error(`appender case stored ${stored} of ${total} points`);
  for (const connection of connections) connection.closeSync();
  db.closeSync();
  return ms;
}

/** Removes a database file and the log files beside it (DuckDB's `.wal`, SQLite's `-wal` and `-shm`). */
function removeDatabase(path: string): void {
  for (const suffix of ['', '.wal', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

interface SqliteDb {
  pragma(s: string): unknown;
  exec(s: string): unknown;
  prepare(s: string): { run(...a: unknown[]): unknown };
  transaction(fn: (rows: number) => void): (rows: number) => void;
  close(): void;
}

function sqliteMlflow(dir: string, total: number): number | null {
  let Database: new (file: string) => SqliteDb;
  try {
    Database = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  } catch {
    return null;
  }
  const db = new Database(join(dir, 'mlflow.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // MLflow's metrics table (mlflow/store/tracking/dbmodels/models.py: SqlMetric).
  db.exec(`CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,
    step BIGINT NOT NULL DEFAULT 0, is_nan BOOLEAN NOT NULL DEFAULT 0, run_uuid VARCHAR(32) NOT NULL,
    PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan))`);
  const insert = db.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)');
  const keys = Array.from({ length: SERIES }, (_, s) => `train/metric_${s}`);
  let i = 0;
  const chunk = db.transaction((rows: number) => {
    for (let r = 0; r < rows; r++, i++) {
      insert.run(
        keys[i % SERIES],
        Math.sin(i),
        1.7e12 + i,
        Math.floor(i / SERIES),
        0,
        'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      );
    }
  });
  const start = performance.now();
  while (i < total) chunk(Math.min(10_000, total - i));
  const ms = performance.now() - start;
  db.close();
  return ms;
}

/** Medians of a case's wall, JS-thread and CPU times, as a note reads them. */
function busy(timings: Timing[]): string {
  const ms = (pick: (t: Timing) => number) => Math.round(median(timings.map(pick))).toLocaleString();
  return `wall ${ms((t) => t.ms)} ms, JS thread busy ${ms((t) => t.jsBusyMs)} ms, process CPU ${ms((t) => t.cpuMs)} ms`;
}

export default {
  name: 'ingest',
  async run({ full, tmpDir }) {
    const total = full ? 50_000_000 : 10_000_000;
    const sqliteTotal = full ? 5_000_000 : 1_000_000;
    const repeats = 3;
    const ours: number[] = [];
    const oursTimings: Timing[] = [];
    const ceiling: number[] = [];
    const ceilingTimings: Timing[] = [];
    const appender: number[] = [];
    const overlapped: number[] = [];
    const sqlite: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t = await trainscopeIngest(join(tmpDir, `ts-${r}`), total);
      oursTimings.push(t);
      ours.push(total / (t.ms / 1000));
      const c = await duckdbRange(tmpDir, total);
      ceilingTimings.push(c);
      ceiling.push(total / (c.ms / 1000));
      appender.push(total / ((await duckdbAppender(tmpDir, total, false)) / 1000));
      removeDatabase(join(tmpDir, 'appender.duckdb'));
      overlapped.push(total / ((await duckdbAppender(tmpDir, total, true)) / 1000));
      const ms = sqliteMlflow(join(tmpDir), sqliteTotal);
      if (ms !== null) sqlite.push(sqliteTotal / (ms / 1000));
      // fresh files for the next repeat
      for (const file of ['ceiling.duckdb', 'appender.duckdb', 'mlflow.sqlite']) removeDatabase(join(tmpDir, file));
      rmSync(join(tmpDir, `ts-${r}`), { recursive: true, force: true });
    }
    const o = median(ours);
    const a = median(ceiling);
    const a2 = median(appender);
    const a3 = median(overlapped);
    const b = sqlite.length ? median(sqlite) : null;
    const rows = [
      { case: 'trainscope Ingestor (points + M4 levels + stats)', points: total, 'points/s': o, 'vs ours': 1 },
      { case: '(a) DuckDB INSERT ... FROM range(n)', points: total, 'points/s': a, 'vs ours': a / o },
      {
        case: '(a2) the same points alone through the appender, 1M per transaction',
        points: total,
        'points/s': a2,
        'vs ours': a2 / o,
      },
      {
        case: '(a3) as (a2), 500k per transaction, each commit overlapped with the next appends',
        points: total,
        'points/s': a3,
        'vs ours': a3 / o,
      },
      {
        case: '(b) SQLite MLflow metrics table (better-sqlite3)',
        points: sqliteTotal,
        'points/s': b,
        'vs ours': b === null ? null : b / o,
      },
    ];
    const notes = [
      `median of ${repeats} runs; ${SERIES} series, batches of ${BATCH.toLocaleString()} points`,
      `ours / DuckDB ceiling = ${(o / a).toFixed(3)} (target >= 0.80)`,
      `points alone through the appender / DuckDB ceiling = ${(a2 / a).toFixed(2)}: what is left for levels, statistics and planning`,
      `appends overlapped with commits / DuckDB ceiling = ${(a3 / a).toFixed(2)}: the engine's headroom past (a)`,
      `ours: ${busy(oursTimings)}; the ceiling: ${busy(ceilingTimings)}`,
      `ours: ${Math.round(median(oursTimings.map((t) => t.flushes?.points ?? 0))).toLocaleString()} points a flush, ${Math.round(
        100 * median(oursTimings.map((t) => t.flushes?.overlapped ?? 0)),
      )}% of flushes written while the one before committed (median)`,
      b === null
        ? 'better-sqlite3 not installed: (b) skipped'
        : `ours / SQLite = ${(o / b).toFixed(2)}x (target >= 10x)`,
    ];
    return { rows, notes };
  },
} satisfies Benchmark;

import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { SeriesDelta } from '../src/live/live-hub.js';
import type { Series } from '../src/model.js';
import { Ingestor, type IngestorHost } from '../src/store/ingestor.js';
import { SCHEMA_DDL, STAGE_DDL } from '../src/store/schema.js';
import { emptySeriesState, type SeriesState } from '../src/store/series-state.js';
import { tempDir } from './helpers.js';

/**
 * The ingestor on its own, on a real database with its two writer connections, each seen through
 * a wrapper that logs the statements run on it and can make one COMMIT fail (rolling nothing back
 * itself: the ingestor has to).
 */
interface Rig {
  ingestor: Ingestor;
  states: Map<number, SeriesState>;
  deltas: SeriesDelta[];
  failures: unknown[];
  log: string[];
  query(sql: string): Promise<number[][]>;
  close(): Promise<void>;
}

const open: Rig[] = [];
afterEach(async () => {
  for (const rig of open.splice(0)) await rig.close();
});

/**
 * `failCommit`, when given, picks a COMMIT to fail: it is held until the other connection has
 * begun its transaction (the next flush, written meanwhile), then rejected.
 */
async function rig(
  series: number,
  options: ConstructorParameters<typeof Ingestor>[1],
  failCommit?: number,
): Promise<Rig> {
  const instance = await DuckDBInstance.create(join(tempDir(), 'ingest.duckdb'));
  const setup = await instance.connect();
  await setup.run(SCHEMA_DDL);
  const log: string[] = [];
  const begun = [0, 0];
  let commits = 0;
  const raw = [await instance.connect(), await instance.connect()];
  const writers = raw.map((c, k) => {
    return new Proxy(c, {
      get(target, prop) {
        if (prop === 'run') {
          return async (sql: string, ...rest: unknown[]) => {
            log.push(`${k}:${sql.split(/\s/)[0]}`);
            if (sql.startsWith('BEGIN')) begun[k] = (begun[k] as number) + 1;
            if (sql === 'COMMIT' && ++commits === failCommit) {
              const other = 1 - k;
              const before = begun[other] as number;
              for (let i = 0; i < 400 && begun[other] === before; i++) await new Promise((r) => setTimeout(r, 5));
              log.push(`${k}:FAILED`);
              throw new Error('injected commit failure');
            }
            return (target.run as (...a: unknown[]) => Promise<unknown>).call(target, sql, ...rest);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as DuckDBConnection;
  });
  for (const c of raw) await c.run(STAGE_DDL);
  const states = new Map<number, SeriesState>();
  for (let id = 1; id <= series; id++) {
    const s: Series = {
      id,
      runId: 'r',
      name: `m${id}`,
      kind: 'metric',
      type: 'gauge',
      group: null,
      xScale: null,
      scale: null,
      unit: null,
      labels: {},
    } as Series;
    states.set(id, emptySeriesState(s));
  }
  const deltas: SeriesDelta[] = [];
  const failures: unknown[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  const host: IngestorHost = {
    writers: () => writers,
    state: (id) => states.get(id),
    writeSideRows: async () => () => {},
    touched: () => {},
    wantsDeltas: () => true,
    committed: (d) => deltas.push(...d),
    failed: (error) => failures.push(error),
    resumed: () => {},
    exclusive: (fn) => {
      const next = chain.then(fn, fn);
      chain = next.catch(() => {});
      return next;
    },
  };
  const ingestor = new Ingestor(host, options);
  const r: Rig = {
    ingestor,
    states,
    deltas,
    failures,
    log,
    query: async (sql) => (await setup.runAndReadAll(sql)).getRows().map((row) => row.map(Number)),
    close: async () => {
      await ingestor.close().catch(() => {});
      for (const c of [...raw, setup]) c.closeSync();
      instance.closeSync();
    },
  };
  open.push(r);
  return r;
}

const SERIES = 4;
const BATCH = 500;
/**
 * Small flushes, and a writer that waits for nothing but room in the buffer: the next flush is
 * written while the one before commits (waits on commits would make that a matter of timing).
 */
const OPTIONS = { flushPoints: 4000, flushIntervalMs: 50, maxAckAgeMs: 60_000, maxCommitDelayMs: 60_000 };

/**
 * Batch `b` of the writer: points of every series, x = their number within the series, except
 * that with `reversed`, series 4 arrives in reverse within every eighth batch.
 */
function batch(b: number, reversed = true) {
  const n = BATCH * SERIES;
  const series = new Uint32Array(n);
  const x = new Float64Array(n);
  const value = new Float64Array(n);
  const time = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const id = (j % SERIES) + 1;
    const k = b * BATCH + Math.floor(j / SERIES);
    series[j] = id;
    // out of order: its level rows get merged, not appended (and that flush waits for the one before)
    x[j] = reversed && id === 4 && b % 8 === 7 ? b * BATCH + (BATCH - 1 - Math.floor(j / SERIES)) : k;
    value[j] = id * 1000 + Math.sin(k);
    time[j] = 1.7e12 + k;
  }
  return { length: n, series, x, time, value };
}

/** What the writer sent, per series, in arrival order. */
function sent(batches: number, reversed: boolean): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let b = 0; b < batches; b++) {
    const bt = batch(b, reversed);
    for (let j = 0; j < bt.length; j++) {
      const id = bt.series[j] as number;
      if (!out.has(id)) out.set(id, []);
      (out.get(id) as number[]).push(bt.x[j] as number);
    }
  }
  return out;
}

/** Checks the database and the deltas against what was sent: every point once, numbered in arrival order. */
async function expectExactly(r: Rig, batches: number, reversed = true): Promise<void> {
  const want = sent(batches, reversed);
  for (const [id, xs] of want) {
    const rows = await r.query(`SELECT n, x FROM points WHERE series_id = ${id} ORDER BY n`);
    expect(rows.length).toBe(xs.length);
    expect(rows.every(([n], i) => n === i)).toBe(true);
    expect(rows.map(([, x]) => x)).toEqual(xs);
    const [[count]] = (await r.query(`SELECT count FROM series_stats WHERE series_id = ${id}`)) as [[number]];
    expect(count).toBe(xs.length);
    expect(r.states.get(id)?.count).toBe(xs.length);
    // The level-0 rows plus the bucket still held in memory count every point once.
    const [[stored]] = (await r.query(`SELECT coalesce(sum(cnt), 0) FROM agg0 WHERE series_id = ${id}`)) as [[number]];
    const open = r.states.get(id)?.open;
    expect(stored + (open ? (open[1] as number) : 0)).toBe(xs.length);
    // Deltas: contiguous from 0, in order, each point once.
    let next = 0;
    const seen: number[] = [];
    for (const d of r.deltas.filter((d) => d.seriesId === id)) {
      expect(d.from).toBe(next);
      next += d.x.length;
      seen.push(...d.x);
    }
    expect(seen).toEqual(xs);
  }
}

describe('flushes written while the one before commits', () => {
  it('store every point once, in order, with statistics, levels and deltas as flushes one at a time do', async () => {
    const batches = 120;
    const results: number[][][] = [];
    for (const overlapFlushes of [true, false]) {
      const r = await rig(SERIES, { ...OPTIONS, overlapFlushes });
      for (let b = 0; b < batches; b++) await r.ingestor.ingestAsync(batch(b));
      await r.ingestor.flush();
      await expectExactly(r, batches);
      if (overlapFlushes) expect(r.ingestor.overlappedFlushes).toBeGreaterThan(5);
      else expect(r.ingestor.overlappedFlushes).toBe(0);
      expect(r.ingestor.mergedBuckets).toBeGreaterThan(0); // series 4 went through the upsert path
      expect(r.failures).toEqual([]);
      await r.ingestor.close();
      results.push(await r.query('SELECT * FROM series_stats ORDER BY series_id'));
      results.push(await r.query('SELECT series_id, b, cnt, fx, fv, lx, lv, nx, nv, mx, mv FROM agg1 ORDER BY 1, 2'));
    }
    // The statistics and the coarser levels are the same either way.
    expect(results[0]).toEqual(results[2]);
    expect(results[1]).toEqual(results[3]);
  }, 60_000);

  it('a commit that fails while the next flush is written: both roll back, hand their points back in order, and are written once on retry', async () => {
    const batches = 60;
    // In order throughout: no flush merges into level rows, so every flush may overlap the one before.
    const r = await rig(SERIES, OPTIONS, 5);
    for (let b = 0; b < batches; b++) {
      // A writer that keeps going through the failure (ingestAsync rejects while a flush fails).
      for (;;) {
        try {
          await r.ingestor.ingestAsync(batch(b, false));
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    for (let i = 0; i < 200 && r.ingestor.committed < r.ingestor.accepted; i++) {
      await r.ingestor.flush().catch(() => {});
    }
    expect(r.ingestor.committed).toBe(r.ingestor.accepted);
    // The failure was reported once, and the flush written meanwhile on the other connection rolled back.
    expect(r.failures.map(String)).toEqual(['Error: injected commit failure']);
    const failedOn = r.log.findIndex((l) => l.endsWith(':FAILED'));
    const other = `${1 - Number(r.log[failedOn]?.[0])}:`;
    const after = r.log.slice(failedOn).filter((l) => l.startsWith(other));
    expect(after.find((l) => l.endsWith('COMMIT') || l.endsWith('ROLLBACK'))).toBe(`${other}ROLLBACK`);
    await expectExactly(r, batches, false);
  }, 60_000);
});

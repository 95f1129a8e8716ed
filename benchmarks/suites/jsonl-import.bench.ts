/**
 * jsonl-import: bulk import of one large JSON-lines training log (one object per line: step,
 * epoch, timestamp, loss, lr, a nested group, a text field) into a sink, by
 *   (a) the JS streaming parser (`importJsonlWithJs`), the baseline, and
 *   (b) DuckDB's read_json on a private in-memory instance (`importJsonlWithDuckdb`), 1 and 2 threads;
 * plus reference rows measured on the same bytes: JSON.parse of every line with nothing else
 * (what any JS reader pays), DuckDB read_json with count(*) (its scan alone, no points read back),
 * a file with one malformed line at the end (DuckDB refuses, the JS parser re-reads it), a key that
 * first appears after DuckDB's schema sample (second, whole-file inference), end-to-end into a real
 * Store, and the ml-dash layout both ways. Ratios are against (a) measured in the same run.
 */
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createPluginContext, type PointBatch, type SeriesDef, Store } from '@trainscope/core';
import {
  importJsonlFile,
  importJsonlWithDuckdb,
  importJsonlWithJs,
  importMldashExperiment,
  type JsonlSink,
  writeMldashExperiment,
} from '@trainscope/plugin-jsonl';
import { type Benchmark, type BenchRow, fmt, median } from '../lib/harness.ts';

/** Counts points; keeps nothing (so the rows measure reading, not a store). */
class CountingSink implements JsonlSink {
  points = 0;
  readonly #ids = new Map<string, number>();
  series(def: SeriesDef): number {
    let id = this.#ids.get(def.name);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(def.name, id);
    }
    return id;
  }
  ingest(batch: PointBatch): void {
    this.points += batch.length;
  }
  log(): void {}
}

function writeLog(path: string, bytes: number): { lines: number; bytes: number } {
  let size = 0;
  let step = 0;
  writeFileSync(path, '');
  while (size < bytes) {
    const lines: string[] = [];
    for (let k = 0; k < 10_000; k++, step++) {
      const rec: Record<string, unknown> = {
        step,
        epoch: Math.floor(step / 1000),
        loss: 2 / (1 + step / 500) + (step % 13) * 1e-4,
        lr: 1e-3 * 0.999 ** Math.floor(step / 100),
        train: { acc: Math.min(1, step / 1e6), grad_norm: 1 + (step % 7) / 4 },
        timestamp: 1_705_314_600 + step * 0.1,
        phase: 'train',
      };
      if (step % 100 === 99) rec['val_loss'] = 2.2 / (1 + step / 500);
      lines.push(JSON.stringify(rec));
    }
    const text = `${lines.join('\n')}\n`;
    appendFileSync(path, text);
    size += Buffer.byteLength(text);
  }
  return { lines: step, bytes: size };
}

async function duckdbScan(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SELECT count(*) FROM read_json('${path}', format='newline_delimited', records=true)`);
  connection.closeSync();
  instance.closeSync();
}

function jsonParseOnly(path: string): number {
  let n = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) if (line.length > 0) n += JSON.parse(line) ? 1 : 0;
  return n;
}

export default {
  name: 'jsonl-import',
  async run({ full, tmpDir }) {
    const target = full ? 512 << 20 : 48 << 20;
    const repeats = 3;
    const path = join(tmpDir, 'train.jsonl');
    const { lines, bytes } = writeLog(path, target);
    const mb = bytes / 1e6;
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const time = 1_700_000_000_000;

    // Wall time is what a user waits; process CPU time (all threads) is quoted beside it because
    // this machine is shared and a loaded run stretches wall time, not CPU time.
    const measure = async (name: string, fn: () => Promise<number>, runs = repeats, warmup = 1) => {
      let points = 0;
      for (let i = 0; i < warmup; i++) points = await fn();
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let i = 0; i < runs; i++) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        points = await fn();
        walls.push(performance.now() - t0);
        const cpu = process.cpuUsage(cpu0);
        cpus.push((cpu.user + cpu.system) / 1000);
      }
      return { name, ms: median(walls), cpuMs: median(cpus), points };
    };
    const js = await measure('js parser (importJsonlWithJs) [baseline]', async () => {
      const sink = new CountingSink();
      await importJsonlWithJs(path, sink, { time });
      return sink.points;
    });
    const results = [
      js,
      await measure('duckdb read_json, 2 threads (importJsonlWithDuckdb)', async () => {
        const sink = new CountingSink();
        await importJsonlWithDuckdb(path, sink, { time, threads: 2 });
        return sink.points;
      }),
      await measure('duckdb read_json, 1 thread', async () => {
        const sink = new CountingSink();
        await importJsonlWithDuckdb(path, sink, { time, threads: 1 });
        return sink.points;
      }),
      await measure('ref: JSON.parse every line, nothing else', async () => jsonParseOnly(path) * 0),
      await measure('ref: duckdb read_json count(*) only', async () => {
        await duckdbScan(path);
        return 0;
      }),
    ];
    for (const r of results) {
      rows.push({
        case: r.name,
        MB: fmt(mb),
        'median ms': fmt(r.ms),
        'cpu ms': fmt(r.cpuMs),
        'MB/s': fmt(mb / (r.ms / 1000)),
        'M points/s': r.points ? fmt(r.points / 1e6 / (r.ms / 1000)) : '-',
        'vs js': fmt(js.ms / r.ms),
      });
    }
    if ((results[1]?.points ?? 0) !== js.points)
      notes.push(`MISMATCH: duckdb ${results[1]?.points} points, js ${js.points}`);

    // Small files: where DuckDB's start-up (a fresh instance per import) outweighs its speed; sets `duckdbMinBytes`.
    for (const mib of [1, 8]) {
      const small = join(tmpDir, `small-${mib}.jsonl`);
      const smallSize = writeLog(small, mib << 20);
      const smallJs = await measure(`${mib} MiB file, js parser`, async () => {
        const sink = new CountingSink();
        await importJsonlWithJs(small, sink, { time });
        return sink.points;
      });
      const smallDuck = await measure(`${mib} MiB file, duckdb read_json`, async () => {
        const sink = new CountingSink();
        await importJsonlWithDuckdb(small, sink, { time });
        return sink.points;
      });
      for (const r of [smallJs, smallDuck]) {
        rows.push({
          case: r.name,
          MB: fmt(smallSize.bytes / 1e6),
          'median ms': fmt(r.ms),
          'cpu ms': fmt(r.cpuMs),
          'MB/s': fmt(smallSize.bytes / 1e6 / (r.ms / 1000)),
          'M points/s': fmt(r.points / 1e6 / (r.ms / 1000)),
          'vs js': fmt(smallJs.ms / r.ms),
        });
      }
    }

    // One malformed line at the end: DuckDB reads until it meets it, refuses, and the JS parser reads the file.
    const messy = join(tmpDir, 'messy.jsonl');
    writeFileSync(messy, readFileSync(path));
    appendFileSync(messy, '{"step": 1, "loss": \n');
    const fallback = await measure(
      'malformed last line, engine duckdb -> js fallback',
      async () => {
        const sink = new CountingSink();
        await importJsonlFile(messy, sink, { engine: 'duckdb', time });
        return sink.points;
      },
      1,
      0,
    );
    // A key that first appears after DuckDB's schema sample: second try infers from the whole file.
    const late = join(tmpDir, 'late.jsonl');
    writeFileSync(late, readFileSync(path));
    appendFileSync(late, '{"step": -1, "test_acc": 0.9}\n');
    const lateKey = await measure(
      'key after the schema sample, duckdb (2nd inference)',
      async () => {
        const sink = new CountingSink();
        await importJsonlWithDuckdb(late, sink, { time });
        return sink.points;
      },
      1,
      0,
    );
    // End to end into a real store, with the default engine.
    const store = await Store.open({ dir: join(tmpDir, 'store') });
    const endToEnd = await measure(
      'default engine (auto) into a real Store (ingest + flush)',
      async () => {
        const run = await store.createRun({ project: 'bench', name: 'jsonl' });
        const context = await createPluginContext(store, run.id);
        const result = await importJsonlFile(path, context, { time });
        await store.flush();
        return result.points;
      },
      1,
      0,
    );
    await store.close();
    for (const r of [fallback, lateKey, endToEnd]) {
      rows.push({
        case: r.name,
        MB: fmt(mb),
        'median ms': fmt(r.ms),
        'cpu ms': fmt(r.cpuMs),
        'MB/s': fmt(mb / (r.ms / 1000)),
        'M points/s': r.points ? fmt(r.points / 1e6 / (r.ms / 1000)) : '-',
        'vs js': fmt(js.ms / r.ms),
      });
    }

    // ml-dash layout: import an experiment of 8 metrics, then export it back.
    const root = join(tmpDir, 'mldash');
    const n = full ? 200_000 : 40_000;
    const t0 = Date.UTC(2024, 0, 15);
    const series = Array.from({ length: 8 }, (_, m) => ({
      def: { name: `metric_${m}` },
      x: Float64Array.from({ length: n }, (_, i) => i),
      time: Float64Array.from({ length: n }, (_, i) => t0 + i * 1.507),
      value: Float64Array.from({ length: n }, (_, i) => 1 / (i + 1 + m)),
    }));
    const exported = await measure('ml-dash export (writeMldashExperiment)', async () => {
      const result = await writeMldashExperiment(root, { project: 'p', name: 'e', series });
      return result.records;
    });
    let mldashBytes = 0;
    for (let m = 0; m < 8; m++)
      mldashBytes += statSync(join(root, 'p', 'e', 'metrics', `metric_${m}`, 'data.jsonl')).size;
    const imported = await measure('ml-dash import (importMldashExperiment)', async () => {
      const sink = new CountingSink();
      await importMldashExperiment(join(root, 'p', 'e'), sink);
      return sink.points;
    });
    for (const r of [exported, imported]) {
      rows.push({
        case: r.name,
        MB: fmt(mldashBytes / 1e6),
        'median ms': fmt(r.ms),
        'cpu ms': fmt(r.cpuMs),
        'MB/s': fmt(mldashBytes / 1e6 / (r.ms / 1000)),
        'M points/s': fmt((8 * n) / 1e6 / (r.ms / 1000)),
        'vs js': '-',
      });
    }
    notes.push(
      `${lines.toLocaleString('en-US')} lines, ${js.points.toLocaleString('en-US')} points per import; medians of ${repeats} runs after 1 warm-up (single runs for fallback, late key, store).`,
    );
    const duck = results[1]?.ms ?? Number.NaN;
    notes.push(
      duck < js.ms
        ? `DuckDB is ${fmt(js.ms / duck)}x the JS parser here: set duckdbMinBytes so that auto uses it (by default auto reads with JS).`
        : `The JS parser is ${fmt(duck / js.ms)}x DuckDB here, which is why auto reads with JS by default.`,
    );
    return { rows, notes };
  },
} satisfies Benchmark;

/**
 * Child process of the chart benchmark: opens a store read path and times 2000-pixel M4 reads of
 * one series, either through trainscope (`ours`) or as a plain DuckDB M4 query over the raw table
 * (`plain`). Prints one JSON line: durations and peak RSS of this process.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DB_FILE, Store } from '@trainscope/core';

const [dir, seriesArg, mode, repeatsArg] = process.argv.slice(2) as [string, string, string, string];
const seriesId = Number(seriesArg);
const repeats = Number(repeatsArg);
const width = 2000;
const times: number[] = [];
let buckets = 0;

if (mode === 'ours') {
  const store = await Store.open({ dir });
  await store.chart({ seriesId, width }); // warm-up
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const data = await store.chart({ seriesId, width });
    times.push(performance.now() - start);
    buckets = data.buckets.length;
  }
  await store.close();
} else {
  const db = await DuckDBInstance.create(join(dir, DB_FILE), { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  const run = async () => {
    const extent = (
      await c.runAndReadAll('SELECT min(x), max(x) FROM points WHERE series_id = ?', [seriesId])
    ).getRows()[0] as [number, number];
    const p = Math.ceil(Math.log2((extent[1] - extent[0]) / width));
    const reader = await c.runAndReadAll(
      `SELECT floor(x / ${2 ** p}) AS k, count(*), min(x), arg_min(v, x), max(x), arg_max(v, x),
              min(v), arg_min(x, v), max(v), arg_max(x, v)
       FROM points WHERE series_id = ? GROUP BY k ORDER BY k`,
      [seriesId],
    );
    return reader.currentRowCount;
  };
  await run();
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    buckets = await run();
    times.push(performance.now() - start);
  }
  c.closeSync();
  db.closeSync();
}
process.stdout.write(`${JSON.stringify({ times, buckets, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);

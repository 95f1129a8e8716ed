import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { DB_FILE, SCHEMA_VERSION, Store } from '../src/index.js';
import { batchOf, readRows, tempDir } from './helpers.js';

describe('a store written by schema version 1', () => {
  it('is migrated on open: its statistics are kept, and it takes and keeps new points', async () => {
    const dir = tempDir();
    const first = await Store.open({ dir });
    const run = await first.createRun({ project: 'p' });
    const a = first.defineSeries(run.id, { name: 'a' }).id;
    const b = first.defineSeries(run.id, { name: 'b' }).id;
    first.ingestor.ingest(batchOf([a, a, a, b], [0, 1, 2, 0], [1, 5, 3, Number.NaN]));
    await first.close();
    const before = [
      [a, 3, 0, 3, 5],
      [b, 1, 1, 0, Number.NaN],
    ];

    // Version 1 kept a series' statistics in one table, `series_stats`: turn this store back into one.
    const file = join(dir, DB_FILE);
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    const inB = (await c.runAndReadAll('SELECT count(*) FROM series_stats_b')).getRows()[0]?.[0];
    expect(Number(inB)).toBe(0); // one flush, on the first connection: everything is in series_stats_a
    await c.run('DROP VIEW series_stats');
    await c.run('DROP TABLE series_stats_b');
    await c.run('ALTER TABLE series_stats_a RENAME TO series_stats');
    await c.run("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    expect(
      (await c.runAndReadAll('SELECT series_id, count, non_finite, finite, max_v FROM series_stats ORDER BY 1'))
        .getRows()
        .map((r) => r.map((v) => (v === null ? null : Number(v)))),
    ).toEqual(before);
    c.closeSync();
    instance.closeSync();

    const store = await Store.open({ dir });
    expect((await store.summaries([a, b])).map((s) => [s.count, s.nonFinite, s.max])).toEqual([
      [3, 0, 5],
      [1, 1, null],
    ]);
    await store.openRun(run.id);
    store.ingestor.ingest(batchOf([a, a], [3, 4], [9, 2]));
    await store.close();
    expect(await readRows(file, "SELECT value::INTEGER FROM meta WHERE key = 'schema_version'")).toEqual([
      [SCHEMA_VERSION],
    ]);
    expect(await readRows(file, 'SELECT series_id, count, max_v FROM series_stats ORDER BY 1')).toEqual([
      [a, 5, 9],
      [b, 1, Number.NaN],
    ]);

    const again = await Store.open({ dir });
    try {
      expect((await again.summaries([a])).map((s) => [s.count, s.last, s.max])).toEqual([[5, 2, 9]]);
      const points = await again.readPoints({ series: [a], by: 'n', limit: 10 });
      expect(Array.from(points.value)).toEqual([1, 5, 3, 9, 2]);
    } finally {
      await again.close();
    }
  }, 30_000);
});

import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { readColumns } from '../src/store/read-columns.js';

describe('readColumns', () => {
  it('reads numbers and text as columns over many chunks: NULLs, repeats, text past 12 bytes', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      const sql = `SELECT i::DOUBLE AS d, CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS n,
          'run' || (i // 3) AS short, CASE WHEN i % 7 = 0 THEN NULL ELSE 'a text past twelve bytes ' || (i // 2) END AS long,
          CASE WHEN i % 11 = 0 THEN 'nan'::DOUBLE WHEN i % 13 = 0 THEN 'inf'::DOUBLE END AS odd
        FROM range(5000) t(i) ORDER BY i`;
      const got = await readColumns(c, sql);
      const rows = (await c.runAndReadAll(sql)).getRows();
      expect(got.length).toBe(5000);
      expect(got.numbers.length).toBe(3);
      expect(got.texts.length).toBe(2);
      const number = (v: unknown) => (v === null ? Number.NaN : Number(v));
      expect(Array.from(got.numbers[0] as Float64Array)).toEqual(rows.map((r) => number(r[0])));
      expect(Array.from(got.numbers[1] as Float64Array)).toEqual(rows.map((r) => number(r[1])));
      expect(Array.from(got.numbers[2] as Float64Array)).toEqual(rows.map((r) => number(r[4])));
      expect(got.texts[0]).toEqual(rows.map((r) => r[2]));
      expect(got.texts[1]).toEqual(rows.map((r) => r[3]));
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});

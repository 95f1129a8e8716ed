import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { QueryError } from '../src/index.js';
import { doubleLiteral, readDoubles } from '../src/query/read-doubles.js';

describe('readDoubles', () => {
  it('reads DOUBLE columns across chunks, NULL as NaN, and literals round-trip exactly', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const odd = [0.1, 1 / 3, 2 ** -1074, 1.7976931348623157e308, 123456789.12345679, -2.5e-7, 1.7e12 + 0.001];
    const { columns, length } = await readDoubles(
      c,
      `SELECT ${odd.map(doubleLiteral).join(', ')}, NULL::DOUBLE, 'NaN'::DOUBLE, '-Infinity'::DOUBLE`,
    );
    expect(length).toBe(1);
    expect(columns.map((col) => col[0])).toEqual([...odd, Number.NaN, Number.NaN, Number.NEGATIVE_INFINITY]);
    const many = await readDoubles(
      c,
      'SELECT i::DOUBLE, CASE WHEN i % 1000 = 7 THEN NULL ELSE -i::DOUBLE END FROM range(5000) t(i)',
    );
    expect(many.length).toBe(5000);
    expect(Array.from(many.columns[0] as Float64Array)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(Array.from(many.columns[1] as Float64Array)).toEqual(
      Array.from({ length: 5000 }, (_, i) => (i % 1000 === 7 ? Number.NaN : -i)),
    );
    await expect(readDoubles(c, 'SELECT 1::INTEGER')).rejects.toThrow(QueryError);
    expect(() => doubleLiteral(Number.NaN)).toThrow(QueryError);
    c.closeSync();
  });
});

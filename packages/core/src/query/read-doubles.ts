import type { DuckDBConnection } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { QueryError } from '../errors.js';

/**
 * Runs a query with no parameters whose columns are all DOUBLE and returns them as
 * Float64Arrays (NULL reads as NaN). One native call runs it and the materialized chunks are
 * copied out synchronously: a prepared statement with bound values, then one await per 2048-row
 * chunk, costs a dozen trips through the thread pool, which is most of a small chart read's time
 * on a busy machine.
 */
export async function readDoubles(
  connection: DuckDBConnection,
  sql: string,
): Promise<{ length: number; columns: Float64Array[] }> {
  const result = await connection.run(sql);
  const columnCount = result.columnCount;
  for (let c = 0; c < columnCount; c++) {
    if ((result.columnTypeId(c) as number) !== (duckdb.Type.DOUBLE as number)) {
      throw new QueryError(`Column ${c} of a chart read is not DOUBLE.`, sql);
    }
  }
  const chunkCount = result.chunkCount;
  const chunks = Array.from(
    { length: chunkCount },
    (_, i) => (result.getChunk(i) as unknown as { chunk: duckdb.DataChunk }).chunk,
  );
  const sizes = chunks.map((chunk) => duckdb.data_chunk_get_size(chunk));
  const length = sizes.reduce((a, b) => a + b, 0);
  const columns = Array.from({ length: columnCount }, () => new Float64Array(length));
  let at = 0;
  chunks.forEach((chunk, i) => {
    const rows = sizes[i] as number;
    for (let c = 0; c < columnCount; c++) {
      const out = columns[c] as Float64Array;
      const vector = duckdb.data_chunk_get_vector(chunk, c);
      const bytes = duckdb.vector_get_data(vector, rows * 8);
      out.set(new Float64Array(bytes.buffer, bytes.byteOffset, rows), at);
      const validity = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      if (validity) {
        for (let r = 0; r < rows; r++) {
          if (!(((validity[r >> 3] as number) >> (r & 7)) & 1)) out[at + r] = Number.NaN;
        }
      }
    }
    at += rows;
  });
  return { length, columns };
}

/** A double as an SQL literal that DuckDB reads back to the same double (no DECIMAL rounding). */
export function doubleLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new QueryError(`Expected a finite number, got ${String(value)}.`, value);
  return `'${String(value)}'::DOUBLE`;
}

/**
 * Series ids as an SQL list of integer literals. DuckDB prunes a scan by a literal IN list; a list
 * of a thousand parameters it checks row by row (7.7 s against 22 ms over 10M series).
 */
export function seriesIdList(ids: readonly number[]): string {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new QueryError(`A series id is an integer from 0 to 4294967295, got ${String(id)}.`, id);
    }
  }
  return ids.join(', ');
}

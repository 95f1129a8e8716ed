import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** Columns read back from a query as Float64Arrays (NULL becomes NaN), plus the row count. */
export interface Float64Columns {
  length: number;
  columns: Float64Array[];
}

/**
 * Runs a query whose columns are all numeric and returns them as Float64Arrays, copying each
 * vector's memory in one go for DOUBLE columns. NULL reads as NaN. Integer columns are widened.
 */
export async function readFloat64Columns(
  connection: DuckDBConnection,
  sql: string,
  params?: DuckDBValue[],
): Promise<Float64Columns> {
  const result = params ? await connection.run(sql, params) : await connection.run(sql);
  const columnCount = result.columnCount;
  const typeIds = Array.from({ length: columnCount }, (_, i) => result.columnTypeId(i));
  let capacity = 1024;
  let columns = typeIds.map(() => new Float64Array(capacity));
  let length = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    if (length + rows > capacity) {
      while (length + rows > capacity) capacity *= 2;
      columns = columns.map((old) => {
        const next = new Float64Array(capacity);
        next.set(old.subarray(0, length));
        return next;
      });
    }
    const raw = (chunk as unknown as { chunk: duckdb.DataChunk }).chunk;
    for (let c = 0; c < columnCount; c++) {
      const out = columns[c] as Float64Array;
      const vector = duckdb.data_chunk_get_vector(raw, c);
      const typeId = typeIds[c];
      const validity = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      if ((typeId as number | undefined) === (duckdb.Type.DOUBLE as number)) {
        const bytes = duckdb.vector_get_data(vector, rows * 8);
        out.set(new Float64Array(bytes.buffer, bytes.byteOffset, rows), length);
      } else {
        const vec = chunk.getColumnVector(c);
        for (let r = 0; r < rows; r++) {
          const item = vec.getItem(r);
          out[length + r] = item === null ? Number.NaN : Number(item as number | bigint);
        }
      }
      if (validity) {
        for (let r = 0; r < rows; r++) {
          if (!duckdb.validity_row_is_valid(validity, r)) out[length + r] = Number.NaN;
        }
      }
    }
    length += rows;
  }
  return { length, columns: columns.map((c) => c.subarray(0, length)) };
}

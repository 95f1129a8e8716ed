import type { DuckDBConnection, DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';
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
    for (let c = 0; c < columnCount; c++)
      readNumbers(chunk, c, typeIds[c] as number, columns[c] as Float64Array, length);
    length += rows;
  }
  return { length, columns: columns.map((c) => c.subarray(0, length)) };
}

/** Columns of a query with text columns among numeric ones (see `readColumns`). */
export interface MixedColumns {
  length: number;
  /** The numeric columns, in query order, as Float64Arrays (NULL becomes NaN). */
  numbers: Float64Array[];
  /** The VARCHAR columns, in query order. */
  texts: (string | null)[][];
}

/**
 * Runs a query and returns its VARCHAR columns as string arrays and all others (numeric) as
 * Float64Arrays, copied chunk by chunk from the materialized result with no row objects: turning
 * 60,000 rows of 13 columns into objects took longer (170 to 580 ms) than the query itself. Text
 * longer than 12 bytes costs a native call per value, so keep such columns out (map them to
 * numbers in SQL).
 */
export async function readColumns(
  connection: DuckDBConnection,
  sql: string,
  params?: DuckDBValue[],
): Promise<MixedColumns> {
  const result = params ? await connection.run(sql, params) : await connection.run(sql);
  const typeIds = Array.from({ length: result.columnCount }, (_, i) => result.columnTypeId(i) as number);
  const chunks = Array.from({ length: result.chunkCount }, (_, i) => result.getChunk(i));
  const length = chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0);
  const isText = typeIds.map((t) => t === (duckdb.Type.VARCHAR as number));
  const numbers = typeIds.filter((_, c) => !isText[c]).map(() => new Float64Array(length));
  const texts = typeIds.filter((_, c) => isText[c]).map(() => new Array<string | null>(length));
  let at = 0;
  for (const chunk of chunks) {
    let n = 0;
    let t = 0;
    for (let c = 0; c < typeIds.length; c++) {
      if (isText[c]) {
        readTexts(chunk, c, texts[t++] as (string | null)[], at);
      } else {
        readNumbers(chunk, c, typeIds[c] as number, numbers[n++] as Float64Array, at);
      }
    }
    at += chunk.rowCount;
  }
  return { length, numbers, texts };
}

/**
 * VARCHAR column `c` of a chunk into `out` from `at` on. A value whose 16 bytes (length, then the
 * text itself up to 12 bytes, else a prefix and a pointer) equal the row before's is that row's
 * string, not decoded again: a run's series lie together, so a run id repeats row after row.
 */
function readTexts(chunk: DuckDBDataChunk, c: number, out: (string | null)[], at: number): void {
  const rows = chunk.rowCount;
  const vector = chunk.getColumnVector(c);
  const raw = duckdb.data_chunk_get_vector((chunk as unknown as { chunk: duckdb.DataChunk }).chunk, c);
  const bytes = duckdb.vector_get_data(raw, rows * 16);
  // With NULLs among them (a validity mask), a NULL's bytes say nothing: each value is read.
  const words =
    bytes.byteOffset % 4 === 0 && duckdb.vector_get_validity(raw, 8) === null
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, rows * 4)
      : null;
  for (let r = 0; r < rows; r++) {
    const w = r * 4;
    if (
      words &&
      r > 0 &&
      words[w] === words[w - 4] &&
      words[w + 1] === words[w - 3] &&
      words[w + 2] === words[w - 2] &&
      words[w + 3] === words[w - 1]
    ) {
      out[at + r] = out[at + r - 1] as string;
    } else {
      out[at + r] = vector.getItem(r) as string | null;
    }
  }
}

/** Column `c` of a chunk into `out` from `at` on: DOUBLE by one copy, others widened; NULL as NaN. */
function readNumbers(chunk: DuckDBDataChunk, c: number, typeId: number, out: Float64Array, at: number): void {
  const rows = chunk.rowCount;
  const raw = (chunk as unknown as { chunk: duckdb.DataChunk }).chunk;
  const vector = duckdb.data_chunk_get_vector(raw, c);
  const validity = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
  if (typeId === (duckdb.Type.DOUBLE as number)) {
    const bytes = duckdb.vector_get_data(vector, rows * 8);
    out.set(new Float64Array(bytes.buffer, bytes.byteOffset, rows), at);
  } else {
    const vec = chunk.getColumnVector(c);
    for (let r = 0; r < rows; r++) {
      const item = vec.getItem(r);
      out[at + r] = item === null ? Number.NaN : Number(item as number | bigint);
    }
  }
  if (validity) {
    // The mask's bits in JS: a native call per row costs more than the copy.
    for (let r = 0; r < rows; r++) {
      if (!(((validity[r >> 3] as number) >> (r & 7)) & 1)) out[at + r] = Number.NaN;
    }
  }
}

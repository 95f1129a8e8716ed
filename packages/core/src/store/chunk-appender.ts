import { type DuckDBAppender, DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** A typed array that can be copied into a DuckDB vector as is. */
export type Column = Float64Array | Uint32Array | BigInt64Array | Int16Array | Uint8Array;

const VECTOR_SIZE = duckdb.vector_size();

/**
 * Appends whole typed-array columns through the appender's data-chunk API: one reusable chunk,
 * each vector filled by a memory copy from the typed array, never value by value.
 * Optional validity masks (1 = valid) mark NULLs.
 */
export class ChunkAppender {
  readonly #chunk: DuckDBDataChunk;
  readonly #vectors: duckdb.Vector[];
  readonly #columnCount: number;
  #validityScratch = new BigUint64Array(VECTOR_SIZE / 64);

  constructor(types: readonly DuckDBType[]) {
    this.#chunk = DuckDBDataChunk.create(types);
    this.#columnCount = types.length;
    const raw = (this.#chunk as unknown as { chunk: duckdb.DataChunk }).chunk;
    this.#vectors = types.map((_, i) => duckdb.data_chunk_get_vector(raw, i));
  }

  /**
   * Appends rows [offset, offset + length) of the columns. `validity[i]`, when given, is a
   * per-row Uint8Array for column i where 0 means NULL.
   */
  append(
    appender: DuckDBAppender,
    columns: readonly Column[],
    offset: number,
    length: number,
    validity?: readonly (Uint8Array | undefined)[],
  ): void {
    if (columns.length !== this.#columnCount) {
      throw new Error(`ChunkAppender expects ${this.#columnCount} columns, got ${columns.length}`);
    }
    const raw = (this.#chunk as unknown as { chunk: duckdb.DataChunk }).chunk;
    for (let start = offset; start < offset + length; start += VECTOR_SIZE) {
      const rows = Math.min(VECTOR_SIZE, offset + length - start);
      duckdb.data_chunk_reset(raw);
      for (let c = 0; c < this.#columnCount; c++) {
        const column = columns[c] as Column;
        const vector = this.#vectors[c] as duckdb.Vector;
        const width = column.BYTES_PER_ELEMENT;
        duckdb.copy_data_to_vector(
          vector,
          0,
          column.buffer as ArrayBuffer,
          column.byteOffset + start * width,
          rows * width,
        );
        const mask = validity?.[c];
        if (mask) this.#copyValidity(vector, mask, start, rows);
      }
      duckdb.data_chunk_set_size(raw, rows);
      appender.appendDataChunk(this.#chunk);
    }
  }

  #copyValidity(vector: duckdb.Vector, mask: Uint8Array, start: number, rows: number): void {
    const words = this.#validityScratch;
    words.fill(0xffffffffffffffffn);
    let any = false;
    for (let r = 0; r < rows; r++) {
      if (mask[start + r] === 0) {
        const w = r >> 6;
        words[w] = (words[w] as bigint) & ~(1n << BigInt(r & 63));
        any = true;
      }
    }
    if (!any) return;
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, words.buffer, 0, Math.ceil(rows / 64) * 8);
  }
}

import { stat } from 'node:fs/promises';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BatchBuilder } from '@trainscope/core';
import { type ColumnPlan, planColumns } from './duckdb-columns.js';
import type { JsonlImportOptions, JsonlImportResult } from './import-result.js';
import { hasLineLongerThan } from './line-lengths.js';
import type { JsonlSink } from './sink.js';

/** DuckDB could not read the file the way the JS parser would; nothing was handed to the sink. */
export class DuckdbRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`DuckDB did not read the file: ${reason}`);
    this.name = 'DuckdbRefusedError';
  }
}

/** Options of the DuckDB reader. */
export interface DuckdbImportOptions extends JsonlImportOptions {
  /** DuckDB worker threads. @default DuckDB's own default (one per core) */
  threads?: number;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Reads a JSON-lines file with DuckDB's `read_json` on a private in-memory instance, casts every
 * numeric field to DOUBLE in SQL and hands the columns to `sink` as batches. The query runs to the
 * end before the first point is handed over, so when DuckDB refuses the file (a malformed line, a
 * key or type the schema sample missed twice, a field of mixed types) this throws a
 * `DuckdbRefusedError` and the sink has seen nothing: the caller reads the file with the JS parser.
 */
export async function importJsonlWithDuckdb(
  path: string,
  sink: JsonlSink,
  options: DuckdbImportOptions = {},
): Promise<JsonlImportResult> {
  const label = options.label ?? path;
  const time = options.time ?? Date.now();
  const { size } = await stat(path);
  const config: Record<string, string> = {};
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  // DuckDB's maximum_object_size does not bound a line's length, and a line the JS parser would
  // skip as oversized must not be read here either.
  const maxLine = options.maxLineBytes ?? 1 << 20;
  if (await hasLineLongerThan(path, maxLine)) throw new DuckdbRefusedError('a line longer than maxLineBytes');
  const instance = await DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  try {
    // The schema comes from a sample; a key or type it missed makes DuckDB stop with an error,
    // and the second try infers it from the whole file.
    let failure = '';
    for (const sample of ['', ', sample_size=-1']) {
      const source = `read_json(${sqlString(path)}, format='newline_delimited', records=true, maximum_object_size=${Math.max(maxLine, 1 << 16)}${sample})`;
      try {
        return await readAll(connection, source, sink, { ...options, label, time }, size);
      } catch (error) {
        if (error instanceof DuckdbRefusedError) throw error;
        failure = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        if (!/unknown key|cast|Failed to|sample/i.test(failure)) break;
      }
    }
    throw new DuckdbRefusedError(failure);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function readAll(
  connection: DuckDBConnection,
  source: string,
  sink: JsonlSink,
  options: JsonlImportOptions & { label: string; time: number },
  bytes: number,
): Promise<JsonlImportResult> {
  const probe = await connection.run(`SELECT * FROM ${source} LIMIT 0`);
  const plan: ColumnPlan = planColumns(probe.columnNames(), probe.columnTypes(), options.prefix ?? '');
  if (!plan.ok) throw new DuckdbRefusedError(plan.reason);
  const select = [plan.x ?? 'NULL::DOUBLE', plan.time ?? 'NULL::DOUBLE', ...plan.columns.map((c) => c.sql)];
  const result = await connection.run(`SELECT ${select.join(', ')} FROM ${source}`);

  // A NaN or infinite step/epoch is reported with its line number, which only the JS parser knows.
  // Chunks (and their vectors) are fetched once and kept for both passes: each fetch crosses into native code.
  const chunks = Array.from({ length: result.chunkCount }, (_, c) => result.getChunk(c));
  for (const chunk of chunks) {
    const xVector = chunk.getColumnVector(0);
    const rows = chunk.rowCount; // a native call: read once, not per row
    for (let r = 0; r < rows; r++) {
      const x = xVector.getItem(r) as number | null;
      if (x !== null && !Number.isFinite(x)) throw new DuckdbRefusedError(`a step/epoch of ${x}`);
    }
  }
  // Series are defined at their first point, as the JS parser does (a column can be all NULL).
  const ids = plan.columns.map(() => -1);
  for (const field of plan.skipped) {
    sink.log({
      text: `jsonl: ${options.label}: field "${field}" is not a number; it is skipped wherever it appears`,
      level: 'info',
      stream: 'system',
      metadata: { file: options.label, field },
    });
  }
  const batchSize = options.batchSize ?? 65_536;
  const builder = new BatchBuilder(batchSize);
  let records = 0;
  let points = 0;
  for (const chunk of chunks) {
    const rows = chunk.rowCount;
    const xs = new Float64Array(rows);
    const ts = new Float64Array(rows);
    const xVector = chunk.getColumnVector(0);
    const tVector = chunk.getColumnVector(1);
    for (let r = 0; r < rows; r++) {
      const x = xVector.getItem(r) as number | null;
      xs[r] = x === null ? Number.NaN : x;
      const t = tVector.getItem(r) as number | null;
      ts[r] = t === null || !Number.isFinite(t) ? options.time : t;
    }
    for (let c = 0; c < ids.length; c++) {
      const vector = chunk.getColumnVector(c + 2);
      let id = ids[c] as number;
      for (let r = 0; r < rows; r++) {
        const v = vector.getItem(r) as number | null;
        if (v === null) continue;
        if (id < 0) {
          id = sink.series({ name: (plan.columns[c] as { name: string }).name });
          ids[c] = id;
        }
        builder.push(id, v, ts[r] as number, xs[r]);
      }
      if (builder.length >= batchSize) {
        points += builder.length;
        sink.ingest(builder.take());
      }
    }
    records += rows;
  }
  if (builder.length > 0) {
    points += builder.length;
    sink.ingest(builder.take());
  }
  // Whatever would be a rejection made DuckDB refuse the file above, so there is none to count.
  return { engine: 'duckdb', bytes, records, points, rejected: {} };
}

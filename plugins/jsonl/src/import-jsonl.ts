import { stat } from 'node:fs/promises';
import { type DuckdbImportOptions, DuckdbRefusedError, importJsonlWithDuckdb } from './import-jsonl-duckdb.js';
import { importJsonlWithJs } from './import-jsonl-js.js';
import type { JsonlImportResult } from './import-result.js';
import type { JsonlSink } from './sink.js';

/** Options of `importJsonlFile`. */
export interface ImportJsonlOptions extends DuckdbImportOptions {
  /**
   * Which parser reads the file: `js`, `duckdb` (falls back to `js` when DuckDB refuses the file,
   * e.g. for a malformed line, so every rejection is still reported with its line number), or
   * `auto`: DuckDB for files of at least `duckdbMinBytes`, JS below (by default, JS for every file:
   * the jsonl-import benchmark measures the JS parser faster at every size it tries).
   * @default 'auto'
   */
  engine?: 'auto' | 'js' | 'duckdb';
  /**
   * Smallest file `auto` gives to DuckDB. Measured on the reference machine (2 cores), the JS
   * parser beat DuckDB's `read_json` path at 1 MiB (2.7x), 8 MiB (2.1x) and 51 MB (1.9x), so by
   * default `auto` never picks DuckDB; set a size where DuckDB wins on your hardware.
   * @default Infinity
   */
  duckdbMinBytes?: number;
}

/**
 * Bulk-imports one JSON-lines file (one object per line; numeric fields become series, `step` /
 * `epoch` give x, `timestamp` the wall time) into `sink`, with DuckDB's `read_json` or the JS
 * streaming parser. Malformed lines are counted, reported with file and line number, and skipped.
 */
export async function importJsonlFile(
  path: string,
  sink: JsonlSink,
  options: ImportJsonlOptions = {},
): Promise<JsonlImportResult> {
  const engine = options.engine ?? 'auto';
  const time = options.time ?? Date.now();
  const useDuckdb =
    engine === 'duckdb' ||
    (engine === 'auto' && (await stat(path)).size >= (options.duckdbMinBytes ?? Number.POSITIVE_INFINITY));
  if (!useDuckdb) return importJsonlWithJs(path, sink, { ...options, time });
  try {
    return await importJsonlWithDuckdb(path, sink, { ...options, time });
  } catch (error) {
    if (!(error instanceof DuckdbRefusedError)) throw error;
    const result = await importJsonlWithJs(path, sink, { ...options, time });
    return { ...result, fallbackReason: error.reason };
  }
}

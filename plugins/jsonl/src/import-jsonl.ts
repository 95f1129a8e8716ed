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
   * `auto`: DuckDB for files of at least `duckdbMinBytes`, JS below.
   * @default 'auto'
   */
  engine?: 'auto' | 'js' | 'duckdb';
  /** Smallest file `auto` gives to DuckDB (below it, starting DuckDB costs more than it saves). @default 16777216 (measured: at 8 MiB the two are even, see the jsonl-import benchmark) */
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
    engine === 'duckdb' || (engine === 'auto' && (await stat(path)).size >= (options.duckdbMinBytes ?? 16 << 20));
  if (!useDuckdb) return importJsonlWithJs(path, sink, { ...options, time });
  try {
    return await importJsonlWithDuckdb(path, sink, { ...options, time });
  } catch (error) {
    if (!(error instanceof DuckdbRefusedError)) throw error;
    const result = await importJsonlWithJs(path, sink, { ...options, time });
    return { ...result, fallbackReason: error.reason };
  }
}

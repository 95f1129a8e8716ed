/** Which parser read a file. */
export type JsonlEngine = 'js' | 'duckdb';

/** What a bulk import did. */
export interface JsonlImportResult {
  /** The parser that produced the points. */
  engine: JsonlEngine;
  /** When DuckDB was tried and refused the file, why (the JS parser then read it). */
  fallbackReason?: string;
  /** Bytes in the file. */
  bytes: number;
  /** Records (JSON objects) read. */
  records: number;
  /** Points handed to the sink. */
  points: number;
  /** Rejections by reason (see `RejectReason`). */
  rejected: Record<string, number>;
}

/** Options shared by both bulk parsers. */
export interface JsonlImportOptions {
  /** Joined in front of every series name. @default '' */
  prefix?: string;
  /** Read `{"index": n, "data": {...}, "createdAt": ...}` lines as ml-dash records (fields of `data`, `value` named by the prefix). @default true */
  mldashRecords?: boolean;
  /** Wall time (epoch ms) for records without a `timestamp` field. @default Date.now() at the start */
  time?: number;
  /** Longest line accepted; longer lines are skipped and counted as `oversized`. @default 1048576 */
  maxLineBytes?: number;
  /** Points per batch handed to the sink. @default 65536 */
  batchSize?: number;
  /** Name used for the file in reports. @default the path */
  label?: string;
}

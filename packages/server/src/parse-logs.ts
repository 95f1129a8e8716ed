import type { LogInput, LogStream } from '@trainscope/core';
import type { Table, Vector } from 'apache-arrow';
import { ApiError } from './api-error.js';

/** Most lines in one request. */
export const MAX_LOG_LINES = 100_000;
/** Longest line text in UTF-16 code units. */
export const MAX_LOG_TEXT = 1_048_576;

const STREAMS = new Set<string>(['stdout', 'stderr', 'sdk', 'system']);

/** A text column (Utf8, LargeUtf8 or dictionary-encoded text), or null when absent. */
function strings(table: Table, name: string): Vector | null {
  const v = table.getChild(name);
  if (v && !/utf8/i.test(String(v.type))) {
    throw new ApiError(400, 'invalid_request', `The "${name}" column must hold text, not ${String(v.type)}.`, name);
  }
  return v;
}

/**
 * Turns an Arrow table of log lines into log inputs: `text` (text, required, no nulls), and
 * optional `stream` (stdout/stderr/sdk/system), `level` (text) and `time` (epoch ms; null = now).
 * Pure; refuses anything else with a 400 naming the column.
 */
export function logsFromTable(table: Table): LogInput[] {
  const n = table.numRows;
  if (n > MAX_LOG_LINES) {
    throw new ApiError(400, 'invalid_request', `${n} lines in one request; at most ${MAX_LOG_LINES}.`, 'text');
  }
  const text = strings(table, 'text');
  if (!text) throw new ApiError(400, 'invalid_request', 'The Arrow table has no "text" column.', 'text');
  const stream = strings(table, 'stream');
  const level = strings(table, 'level');
  const time = table.getChild('time');
  const out: LogInput[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = text.get(i) as unknown;
    if (typeof t !== 'string') throw new ApiError(400, 'invalid_request', `text[${i}] is null.`, 'text');
    if (t.length > MAX_LOG_TEXT) {
      throw new ApiError(400, 'invalid_request', `text[${i}] is longer than ${MAX_LOG_TEXT} characters.`, 'text');
    }
    const line: LogInput = { text: t };
    const s = stream?.get(i) as unknown;
    if (s !== null && s !== undefined) {
      if (typeof s !== 'string' || !STREAMS.has(s)) {
        throw new ApiError(400, 'invalid_request', `stream[${i}] must be stdout, stderr, sdk or system.`, 'stream');
      }
      line.stream = s as LogStream;
    }
    const l = level?.get(i) as unknown;
    if (typeof l === 'string') {
      if (l.length > 32)
        throw new ApiError(400, 'invalid_request', `level[${i}] is longer than 32 characters.`, 'level');
      line.level = l;
    }
    const tm = time?.get(i) as unknown;
    if (tm !== null && tm !== undefined) {
      const ms = Number(tm);
      if (!Number.isFinite(ms)) throw new ApiError(400, 'invalid_request', `time[${i}] is not a finite time.`, 'time');
      line.time = ms;
    }
    out[i] = line;
  }
  return out;
}

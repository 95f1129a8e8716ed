import type { ApiPointBatch } from '@trainscope/client';
import { decodeNumber } from '@trainscope/client';
import type { PointBatch } from '@trainscope/core';
import { type Table, tableFromIPC, type Vector } from 'apache-arrow';
import { ApiError } from './api-error.js';
import { checkArrowStream } from './check-arrow.js';

const MAX_SERIES_ID = 0xffff_ffff;

function checkSeriesIds(series: Uint32Array, source: ArrayLike<number>, field: string): void {
  for (let i = 0; i < source.length; i++) {
    const id = source[i] as number;
    if (!Number.isInteger(id) || id < 0 || id > MAX_SERIES_ID) {
      throw new ApiError(400, 'invalid_request', `${field}[${i}] = ${id} is not a series id.`, field);
    }
    series[i] = id;
  }
}

function sameLength(length: number, column: ArrayLike<unknown> | undefined, field: string): void {
  if (column !== undefined && column.length !== length) {
    throw new ApiError(
      400,
      'invalid_request',
      `${field} has ${column.length} entries but series has ${length}; columns must line up.`,
      field,
    );
  }
}

/**
 * Turns a JSON point batch (aligned columns; values may be "NaN"/"Infinity"/"-Infinity"; x null
 * where none was given; time defaulting to `now`) into a columnar batch.
 */
export function batchFromJson(body: ApiPointBatch, now: number): PointBatch {
  const length = body.series.length;
  sameLength(length, body.value, 'body/value');
  sameLength(length, body.x, 'body/x');
  sameLength(length, body.time, 'body/time');
  const series = new Uint32Array(length);
  checkSeriesIds(series, body.series, 'body/series');
  const x = new Float64Array(length);
  const time = new Float64Array(length);
  const value = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const xi = body.x?.[i];
    x[i] = xi === null || xi === undefined ? Number.NaN : xi;
    time[i] = body.time?.[i] ?? now;
    value[i] = decodeNumber(body.value[i]);
  }
  return { length, series, x, time, value };
}

function column(vector: Vector | null, length: number, fallback: number): Float64Array {
  const out = new Float64Array(length);
  if (!vector) return out.fill(fallback);
  if (vector.nullCount === 0) {
    const raw = vector.toArray() as ArrayLike<number | bigint>;
    for (let i = 0; i < length; i++) out[i] = Number(raw[i]);
    return out;
  }
  for (let i = 0; i < length; i++) {
    const v = vector.get(i) as number | bigint | null;
    out[i] = v === null ? fallback : Number(v);
  }
  return out;
}

/** Reads an Arrow IPC stream (or file) body; a 400 `malformed_arrow` when it is not one. */
export function tableFromBody(bytes: Uint8Array): Table {
  checkArrowStream(bytes);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new ApiError(400, 'malformed_arrow', `The body is not an Arrow IPC stream: ${(error as Error).message}`);
  }
  if (table.schema.fields.length === 0) {
    throw new ApiError(400, 'malformed_arrow', 'The body is not an Arrow IPC stream with columns.');
  }
  return table;
}

/**
 * Turns an Arrow table with columns `series` (integer), `value` (float) and optional `x` (null
 * where none given) and `time` (epoch ms; default `now`) into a batch.
 */
export function batchFromTable(table: Table, now: number): PointBatch {
  const length = table.numRows;
  const seriesVector = table.getChild('series');
  const valueVector = table.getChild('value');
  if (!seriesVector) throw new ApiError(400, 'invalid_request', 'The Arrow table has no "series" column.', 'series');
  if (!valueVector) throw new ApiError(400, 'invalid_request', 'The Arrow table has no "value" column.', 'value');
  if (seriesVector.nullCount > 0) {
    throw new ApiError(400, 'invalid_request', 'The "series" column holds nulls.', 'series');
  }
  const series = new Uint32Array(length);
  checkSeriesIds(series, column(seriesVector, length, Number.NaN), 'series');
  return {
    length,
    series,
    x: column(table.getChild('x'), length, Number.NaN),
    time: column(table.getChild('time'), length, now),
    value: column(valueVector, length, Number.NaN),
  };
}

/** Decodes an Arrow IPC ingest body (see `batchFromTable`). */
export function batchFromArrow(bytes: Uint8Array, now: number): PointBatch {
  return batchFromTable(tableFromBody(bytes), now);
}

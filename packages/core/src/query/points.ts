import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { makeTable, type Table } from 'apache-arrow';
import { QueryError } from '../errors.js';
import { readFloat64Columns } from '../store/read-columns.js';
import { seriesIdList } from './read-doubles.js';

/** A full-resolution range read. */
export interface PointsQuery {
  /** Series ids to read. */
  series: number[];
  /** Which column the range and order apply to: x, wall time, or point number. @default 'x' */
  by?: 'x' | 'time' | 'n';
  /** Inclusive start of the range. */
  start?: number;
  /** Inclusive end of the range. */
  end?: number;
  /** Page size. @default 100000 (at most 1000000) */
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string;
}

/** A page of points, columnar; rows ordered by series, then the range column, then n. */
export interface PointRows {
  length: number;
  series: Uint32Array;
  /** Position of the point in its series (0-based, in arrival order). */
  n: Float64Array;
  x: Float64Array;
  /** 1 where the source gave x; 0 where x is the point number. */
  xGiven: Uint8Array;
  time: Float64Array;
  value: Float64Array;
  /** Cursor of the next page, or null on the last page. */
  next: string | null;
}

const COLUMN = { x: 'x', time: 't', n: 'n' } as const;

function decodeCursor(cursor: string): [number, number, number] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      return parsed as [number, number, number];
    }
  } catch {
    // fall through to the error below
  }
  throw new QueryError('The page cursor is not one this store issued; start again without it.', cursor);
}

/** Reads full-resolution points, paged with a keyset cursor (stable under concurrent appends). */
export async function readPoints(connection: DuckDBConnection, query: PointsQuery): Promise<PointRows> {
  const by = query.by ?? 'x';
  const col = COLUMN[by];
  if (!col) throw new QueryError(`Cannot range points by "${String(by)}"; use x, time or n.`, by);
  const limit = query.limit ?? 100_000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
    throw new QueryError(`Page size must be an integer from 1 to 1000000, got ${String(limit)}.`, limit);
  }
  if (query.series.length === 0) throw new QueryError('Name at least one series to read.', query.series);
  for (const [label, v] of [
    ['start', query.start],
    ['end', query.end],
  ] as const) {
    if (v !== undefined && Number.isNaN(v)) throw new QueryError(`Range ${label} must be a number.`, v);
  }
  if (query.start !== undefined && query.end !== undefined && query.start > query.end) {
    throw new QueryError(`Range start (${query.start}) is after end (${query.end}).`, query);
  }
  const params: DuckDBValue[] = [];
  let where = `series_id IN (${seriesIdList(query.series)})`;
  if (query.start !== undefined) {
    where += ` AND ${col} >= ?`;
    params.push(query.start);
  }
  if (query.end !== undefined) {
    where += ` AND ${col} <= ?`;
    params.push(query.end);
  }
  if (query.cursor) {
    const [s, k, n] = decodeCursor(query.cursor);
    where += ` AND (series_id > ?::UINTEGER OR (series_id = ?::UINTEGER AND (${col} > ? OR (${col} = ? AND n > ?))))`;
    params.push(s, s, k, k, n);
  }
  const { columns, length } = await readFloat64Columns(
    connection,
    `SELECT series_id, n, x, xa, t, v FROM points_all WHERE ${where} ORDER BY series_id, ${col}, n LIMIT ${limit + 1}`,
    params,
  );
  const rows = Math.min(length, limit);
  const [series, n, x, xa, time, value] = columns as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const xGiven = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) xGiven[i] = xa[i] ? 0 : 1;
  let next: string | null = null;
  if (length > limit) {
    const i = rows - 1;
    const key = by === 'x' ? x[i] : by === 'time' ? time[i] : n[i];
    next = Buffer.from(JSON.stringify([series[i], key, n[i]])).toString('base64url');
  }
  return {
    length: rows,
    series: Uint32Array.from(series.subarray(0, rows)),
    n: n.slice(0, rows),
    x: x.slice(0, rows),
    xGiven,
    time: time.slice(0, rows),
    value: value.slice(0, rows),
    next,
  };
}

/** The same page as an Apache Arrow table (columns series, n, x, x_given, time, value). */
export function pointsToArrow(rows: PointRows): Table {
  return makeTable({
    series: rows.series,
    n: rows.n,
    x: rows.x,
    x_given: rows.xGiven,
    time: rows.time,
    value: rows.value,
  });
}

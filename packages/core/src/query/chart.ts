import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryError } from '../errors.js';
import { LEVEL_COUNT, LEVEL_STEP, M4Builder, type M4Columns, m4FromColumns } from '../m4.js';
import { readFloat64Columns } from '../store/read-columns.js';
import { aggTable } from '../store/schema.js';
import { doubleLiteral, readDoubles } from './read-doubles.js';

/** A chart read: M4 buckets of one series for a pixel width over a range. */
export interface ChartQuery {
  seriesId: number;
  /** Chart width in pixels (1..100000). */
  width: number;
  /** Start of the range on the axis; @default the series' first x (or time) */
  start?: number;
  /** End of the range on the axis; @default the series' last x (or time) */
  end?: number;
  /** Axis: `x` (step/epoch/at, pre-aggregated) or `time` (wall time, read from raw points). @default 'x' */
  axis?: 'x' | 'time';
}

/** A chart read's answer: one M4 bucket per pixel column that holds points. */
export interface ChartData {
  seriesId: number;
  axis: 'x' | 'time';
  /** Range asked for (after defaults). */
  start: number;
  end: number;
  /** Pixel buckets are 2^pixelExp axis units wide, on a fixed grid: bucket k covers [k, k+1) * 2^pixelExp. */
  pixelExp: number;
  /** Where the buckets came from: `raw` points or a pre-aggregated level of this exponent. */
  source: 'raw' | number;
  /** `bucket` holds the pixel bucket index k. */
  buckets: M4Columns;
  /** The series' last point, always included so a live chart ends where the data ends. */
  last: { x: number; time: number; value: number } | null;
}

/** What the chart reader needs to know about a series. */
export interface ChartSeriesInfo {
  baseExp: number | null;
  last: { x: number; time: number; value: number } | null;
}

function rawSelect(axis: string): string {
  return `count(*), count(*) FILTER (WHERE isnan(v)), min(${axis}), arg_min(v, ${axis}), max(${axis}), arg_max(v, ${axis}),
  arg_min(${axis}, v) FILTER (WHERE NOT isnan(v)), min(v) FILTER (WHERE NOT isnan(v)),
  arg_max(${axis}, v) FILTER (WHERE NOT isnan(v)), max(v) FILTER (WHERE NOT isnan(v))`;
}

/**
 * Answers a chart read. The pixel grid is fixed to powers of two (2^p >= range / width), so the
 * same data gives the same buckets on every refresh. On the x axis the coarsest pre-aggregated
 * level whose buckets are no wider than a pixel is merged into pixels (M4 of M4 is exact), so the
 * cost follows the width, not the history; below the finest level it reads raw points.
 */
export async function chartRead(
  connection: DuckDBConnection,
  query: ChartQuery,
  info: ChartSeriesInfo,
): Promise<ChartData> {
  const axis = query.axis ?? 'x';
  if (axis !== 'x' && axis !== 'time')
    throw new QueryError(`Unknown chart axis "${String(axis)}"; use "x" or "time".`, axis);
  const width = query.width;
  if (!Number.isInteger(width) || width < 1 || width > 100_000) {
    throw new QueryError(`Chart width must be an integer from 1 to 100000 pixels, got ${String(width)}.`, width);
  }
  // Read queries carry the id as a literal (one native call, no prepared statement).
  const seriesId = query.seriesId;
  if (!Number.isInteger(seriesId) || seriesId < 0 || seriesId > 0xffffffff) {
    throw new QueryError(`A series id is an integer from 0 to 4294967295, got ${String(seriesId)}.`, seriesId);
  }
  let { start, end } = query;
  for (const [label, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (v !== undefined && !Number.isFinite(v)) throw new QueryError(`Chart ${label} must be a finite number.`, v);
  }
  const empty = (s: number, e: number): ChartData => ({
    seriesId: query.seriesId,
    axis,
    start: s,
    end: e,
    pixelExp: 0,
    source: 'raw',
    buckets: m4FromColumns(
      Array.from({ length: 11 }, () => new Float64Array(0)),
      0,
      true,
    ),
    last: info.last,
  });
  if (start === undefined || end === undefined) {
    const extent = await axisExtent(connection, query.seriesId, axis, info.baseExp);
    if (!extent) return empty(start ?? 0, end ?? 0);
    start ??= extent[0];
    end ??= extent[1];
  }
  if (start > end) throw new QueryError(`Chart start (${start}) is after end (${end}).`, { start, end });
  // A range of one x (a series of one point) still needs a pixel: no finer than 2^-52 of the
  // range's magnitude, so that start / pixel stays finite and exact, and never below 2^-1074.
  const magnitude = Math.max(Math.abs(start), Math.abs(end), Number.MIN_VALUE);
  const span = Math.max(end - start, Number.MIN_VALUE);
  const pixelExp = Math.max(Math.ceil(Math.log2(span / width)), Math.floor(Math.log2(magnitude)) - 52, -1074);
  const pixel = 2 ** pixelExp;
  const firstPixel = Math.floor(start / pixel);
  const lastPixel = Math.floor(end / pixel);

  let level: number | null = null;
  let levelIndex = 0;
  if (axis === 'x' && info.baseExp !== null && pixelExp >= info.baseExp) {
    levelIndex = Math.min(LEVEL_COUNT - 1, Math.floor((pixelExp - info.baseExp) / LEVEL_STEP));
    level = info.baseExp + levelIndex * LEVEL_STEP;
  }
  let buckets: M4Columns;
  if (level !== null) {
    // At most 16 level buckets per pixel (more only on the coarsest level, which holds few), so
    // the rows are read as they are and merged here: a GROUP BY costs more than the rows do.
    const ratio = 2 ** (pixelExp - level);
    const rows = await readDoubles(
      connection,
      `SELECT cnt, nan_cnt, fx, fv, lx, lv, nx, nv, mx, mv FROM ${aggTable(levelIndex)}
       WHERE series_id = ${seriesId}::UINTEGER
         AND b >= ${doubleLiteral(firstPixel * ratio)} AND b < ${doubleLiteral((lastPixel + 1) * ratio)}`,
    );
    buckets = mergeLevelRows(rows.columns, rows.length, pixelExp);
  } else {
    const col = axis === 'x' ? 'x' : 't';
    const lo = firstPixel * pixel;
    const hi = (lastPixel + 1) * pixel;
    const cap = rawCap(lastPixel - firstPixel + 1);
    // Below the finest level a pixel holds fewer than ~64 points, so the range's points are few
    // enough to read and bucket here; past the cap (a denser stretch, or a long wall-time range)
    // DuckDB aggregates them instead.
    const rows = await readDoubles(
      connection,
      `SELECT ${col}, v FROM points_all
       WHERE series_id = ${seriesId}::UINTEGER AND ${col} >= ${doubleLiteral(lo)} AND ${col} < ${doubleLiteral(hi)}
       LIMIT ${cap + 1}`,
    );
    if (rows.length <= cap) {
      buckets = bucketPoints(rows.columns[0] as Float64Array, rows.columns[1] as Float64Array, rows.length, pixelExp);
    } else {
      const result = await readFloat64Columns(
        connection,
        `SELECT floor(${col} / ${pixel}) AS px, ${rawSelect(col)}
         FROM points_all WHERE series_id = ?::UINTEGER AND ${col} >= ? AND ${col} < ?
         GROUP BY px ORDER BY px`,
        [query.seriesId, lo, hi],
      );
      buckets = m4FromColumns(result.columns, result.length, true);
    }
  }
  return {
    seriesId: query.seriesId,
    axis,
    start,
    end,
    pixelExp,
    source: level === null ? 'raw' : level,
    buckets,
    last: info.last,
  };
}

/** Most raw points a chart read buckets itself: 64 a pixel, within [4096, 2^20]. */
function rawCap(pixels: number): number {
  return Math.min(2 ** 20, Math.max(4096, 64 * pixels));
}

/** M4 of raw points on the grid 2^pixelExp, sorted by bucket. */
function bucketPoints(xs: Float64Array, vs: Float64Array, length: number, pixelExp: number): M4Columns {
  const builder = new M4Builder(pixelExp, 1024);
  for (let i = 0; i < length; i++) builder.addPoint(xs[i] as number, vs[i] as number);
  return sortedColumns(builder.columns());
}

/** M4 of level buckets (each inside one pixel: level <= pixelExp) merged into pixels, sorted. */
function mergeLevelRows(cols: Float64Array[], length: number, pixelExp: number): M4Columns {
  const rows = m4FromColumns(cols, length, false);
  const builder = new M4Builder(pixelExp, 1024);
  for (let i = 0; i < length; i++) builder.addBucket(rows, i);
  return sortedColumns(builder.columns());
}

/** The builder's buckets trimmed to length and in bucket order (rows arrive in table order). */
function sortedColumns(c: M4Columns): M4Columns {
  const n = c.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = (c.bucket[i - 1] as number) < (c.bucket[i] as number);
  if (sorted) {
    return {
      length: n,
      bucket: c.bucket.subarray(0, n),
      count: c.count.subarray(0, n),
      nanCount: c.nanCount.subarray(0, n),
      firstX: c.firstX.subarray(0, n),
      firstV: c.firstV.subarray(0, n),
      lastX: c.lastX.subarray(0, n),
      lastV: c.lastV.subarray(0, n),
      minX: c.minX.subarray(0, n),
      minV: c.minV.subarray(0, n),
      maxX: c.maxX.subarray(0, n),
      maxV: c.maxV.subarray(0, n),
    };
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (c.bucket[a] as number) - (c.bucket[b] as number),
  );
  const pick = (col: Float64Array) => Float64Array.from(order, (i) => col[i] as number);
  return {
    length: n,
    bucket: pick(c.bucket),
    count: pick(c.count),
    nanCount: pick(c.nanCount),
    firstX: pick(c.firstX),
    firstV: pick(c.firstV),
    lastX: pick(c.lastX),
    lastV: pick(c.lastV),
    minX: pick(c.minX),
    minV: pick(c.minV),
    maxX: pick(c.maxX),
    maxV: pick(c.maxV),
  };
}

async function axisExtent(
  connection: DuckDBConnection,
  seriesId: number,
  axis: 'x' | 'time',
  baseExp: number | null,
): Promise<[number, number] | null> {
  const { columns, length } =
    axis === 'x' && baseExp !== null
      ? await readFloat64Columns(
          connection,
          `SELECT min(fx), max(lx) FROM ${aggTable(LEVEL_COUNT - 1)} WHERE series_id = ?::UINTEGER`,
          [seriesId],
        )
      : await readFloat64Columns(
          connection,
          `SELECT min(${axis === 'x' ? 'x' : 't'}), max(${axis === 'x' ? 'x' : 't'}) FROM points_all WHERE series_id = ?::UINTEGER`,
          [seriesId],
        );
  const lo = columns[0]?.[0];
  const hi = columns[1]?.[0];
  if (length === 0 || lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi)) return null;
  return [lo, hi];
}

import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryError } from '../errors.js';
import {
  emptyBucket,
  LEVEL_COUNT,
  LEVEL_STEP,
  M4_WIDTH,
  M4Builder,
  type M4Columns,
  m4FromColumns,
  unpackM4,
} from '../m4.js';
import { readFloat64Columns } from '../store/read-columns.js';
import { aggTable, STATS_TABLES } from '../store/schema.js';
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
  /**
   * Points of the series committed when the read was made: what it reflects, so a live
   * subscription from this cursor adds every later point once (none missed, none twice).
   */
  points: number;
}

/** What the chart reader needs to know about a series. */
export interface ChartSeriesInfo {
  /** Points committed (see `ChartData.points`). */
  count: number;
  baseExp: number | null;
  last: { x: number; time: number; value: number } | null;
  /**
   * For a series the writer holds newest buckets of: what it holds now. Called before and after
   * the database read, to pair the read with the buckets of the same commit.
   */
  held?: () => HeldBuckets;
}

/** The writer's newest buckets of a series (not yet in the level tables) and what they go with. */
export interface HeldBuckets {
  /** Points the series had committed when these were its newest buckets. */
  count: number;
  /** Packed rows, one per level (count 0: none); null when every bucket is in the tables. */
  open: Float64Array | null;
  /** The writer's eviction epoch (`Ingestor.evictionEpoch`) at the time. */
  epoch: number;
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
    points: info.count,
  });
  if (start === undefined || end === undefined) {
    const extent = await axisExtent(connection, query.seriesId, axis, info.baseExp, info.held?.().open ?? null);
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
    const range = { lo: firstPixel * ratio, hi: (lastPixel + 1) * ratio };
    buckets = await readLevel(connection, seriesId, levelIndex, range, pixelExp, info.held);
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
    points: info.count,
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

/**
 * The series' committed counts in the statistics tables (one row per table that has the series;
 * the greatest is the count). Two key lookups: through the `series_stats` view, which chooses
 * between them for every series, a chart read took about 2.5 ms longer.
 */
function committedCount(seriesId: number): string {
  return STATS_TABLES.map((t) => `SELECT count FROM ${t} WHERE series_id = ${seriesId}::UINTEGER`).join(' UNION ALL ');
}

/**
 * Level rows with bucket index in [lo, hi), and the writer's newest bucket of that level when it
 * falls there, merged into pixels. The newest buckets live in the writer's memory until a later
 * bucket starts, so the read pairs the table rows with the held buckets of the same commit: a
 * marker row carries the series' committed count as the read saw it, compared with the count the
 * held buckets go with (taken before and after the read); a flush that wrote held buckets out
 * meanwhile (the eviction epoch moved) means reading again.
 */
async function readLevel(
  connection: DuckDBConnection,
  seriesId: number,
  levelIndex: number,
  range: { lo: number; hi: number },
  pixelExp: number,
  held: (() => HeldBuckets) | undefined,
): Promise<M4Columns> {
  const sql = `SELECT cnt, nan_cnt, fx, fv, lx, lv, nx, nv, mx, mv FROM ${aggTable(levelIndex)}
       WHERE series_id = ${seriesId}::UINTEGER
         AND b >= ${doubleLiteral(range.lo)} AND b < ${doubleLiteral(range.hi)}${
           held
             ? `
       UNION ALL SELECT max(count)::DOUBLE, -1, 0, 0, 0, 0, 0, 0, 0, 0 FROM (${committedCount(seriesId)}) HAVING count(*) > 0`
             : ''
         }`;
  for (let attempt = 0; ; attempt++) {
    const before = held?.();
    const rows = await readDoubles(connection, sql);
    const nanCounts = rows.columns[1] as Float64Array;
    let marker = -1;
    if (before) {
      for (let i = rows.length - 1; i >= 0 && marker < 0; i--) if (nanCounts[i] === -1) marker = i;
    }
    const seen = marker < 0 ? 0 : ((rows.columns[0] as Float64Array)[marker] as number);
    let open: Float64Array | null = null;
    if (before && held) {
      const after = held();
      const steady = after.epoch === before.epoch && before.epoch % 2 === 0;
      if (steady && before.count === seen) open = before.open;
      else if (steady && after.count === seen) open = after.open;
      else if (attempt < 4) continue;
      else open = after.open; // still moving after five reads: the newest state
    }
    const cols = m4FromColumns(rows.columns, rows.length, false);
    const builder = new M4Builder(pixelExp, 1024);
    for (let i = 0; i < rows.length; i++) if (i !== marker) builder.addBucket(cols, i);
    if (open !== null && (open[levelIndex * M4_WIDTH + 1] as number) > 0) {
      const b = open[levelIndex * M4_WIDTH] as number;
      if (b >= range.lo && b < range.hi) {
        const bucket = emptyBucket(b);
        unpackM4(open, levelIndex, bucket, 0);
        builder.addBucket(bucket, 0);
      }
    }
    return sortedColumns(builder.columns());
  }
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
  open: Float64Array | null,
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
  let lo = length === 0 ? Number.NaN : (columns[0]?.[0] ?? Number.NaN);
  let hi = length === 0 ? Number.NaN : (columns[1]?.[0] ?? Number.NaN);
  // The coarsest level's newest bucket, held by the writer, holds the series' latest points.
  const top = (LEVEL_COUNT - 1) * M4_WIDTH;
  if (axis === 'x' && baseExp !== null && open !== null && (open[top + 1] as number) > 0) {
    const firstX = open[top + 3] as number;
    const lastX = open[top + 5] as number;
    lo = Number.isNaN(lo) ? firstX : Math.min(lo, firstX);
    hi = Number.isNaN(hi) ? lastX : Math.max(hi, lastX);
  }
  if (Number.isNaN(lo) || Number.isNaN(hi)) return null;
  return [lo, hi];
}

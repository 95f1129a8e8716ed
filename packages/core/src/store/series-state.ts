import type { Series, SeriesSummary } from '../model.js';

/** What the single writer keeps in memory per series it writes to. */
export interface SeriesState {
  series: Series;
  /** Points stored (committed) so far; the next point gets n = count. */
  count: number;
  nonFinite: number;
  finite: number;
  lastV: number;
  lastX: number;
  lastT: number;
  min: number;
  max: number;
  /** Welford running mean and sum of squared deviations over finite values. */
  mean: number;
  m2: number;
  /** Exponent of level-0 buckets (2^baseExp x units); null until the first points decide it. */
  baseExp: number | null;
  /**
   * The newest bucket of each level (`LEVEL_COUNT` rows of `M4_WIDTH`, see `packM4`), kept here
   * rather than rewritten on every flush while points keep landing in it; written to its level
   * table once a later bucket starts, when the series goes idle, and on close. Null when every
   * bucket is in the tables. Replaced, never changed in place, so a reader can hold it.
   */
  open: Float64Array | null;
  /**
   * Per level, a bucket index at or above every row that level's table may hold for this series:
   * rows above it are appended, rows at or below it merged into what is there. Null when not
   * tracked (then derived from `lastX`, which bounds every stored point).
   */
  written: Float64Array | null;
}

/** The running statistics of a series, as `series_stats` holds them. */
export type SeriesStats = Pick<
  SeriesState,
  'count' | 'nonFinite' | 'finite' | 'lastV' | 'lastX' | 'lastT' | 'min' | 'max' | 'mean' | 'm2'
>;

/** Statistics of a series with no points. */
export const NO_STATS: Readonly<SeriesStats> = {
  count: 0,
  nonFinite: 0,
  finite: 0,
  lastV: Number.NaN,
  lastX: Number.NaN,
  lastT: Number.NaN,
  min: Number.NaN,
  max: Number.NaN,
  mean: 0,
  m2: 0,
};

/** A fresh state for a series with no points. */
export function emptySeriesState(series: Series, baseExp: number | null = null): SeriesState {
  return {
    series,
    ...NO_STATS,
    baseExp,
    open: null,
    written: null,
  };
}

/** The summary a reader sees. */
export function summaryOf(state: SeriesState): SeriesSummary {
  return summaryOfStats(state.series.id, state);
}

/** The summary of series `seriesId` with these statistics. */
export function summaryOfStats(seriesId: number, state: SeriesStats): SeriesSummary {
  const none = state.count === 0;
  const finite = state.finite > 0;
  return {
    seriesId,
    count: state.count,
    nonFinite: state.nonFinite,
    last: none ? null : state.lastV,
    lastX: none ? null : state.lastX,
    lastTime: none ? null : state.lastT,
    min: finite ? state.min : null,
    max: finite ? state.max : null,
    mean: finite ? state.mean : null,
    std: finite ? Math.sqrt(state.m2 / state.finite) : null,
  };
}

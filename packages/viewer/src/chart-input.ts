import type { BucketColumns } from './bucket-trace.js';

/** Coflux-style axis description: units, bounds, and `progress` to draw a progress bar. */
export interface AxisScaleInfo {
  /** Series sharing a scale name (within a chart) share a y axis. */
  name?: string;
  units?: string;
  lower?: number;
  upper?: number;
  progress?: boolean;
}

/** What a chart knows about a trace besides its points. */
export interface TraceInfo {
  /** Legend text. */
  label: string;
  /** Stable identity (legend toggles, CSV); @default the label */
  key?: string;
  /** Unit of the values; series with the same unit and no scale name share a y axis. */
  unit?: string;
  /** y axis description. */
  scale?: AxisScaleInfo;
  /** x axis description (shared by the chart: units and bounds). */
  xScale?: AxisScaleInfo;
  /** Draw as a progress bar (last value against `scale.upper`, @default 1). */
  progress?: boolean;
  /** CSS color; @default the theme's palette in order */
  color?: string;
}

/** A trace handed in as aligned columns of raw points. */
export interface LineData extends TraceInfo {
  /** Step / epoch / `at` values, aligned with `y`. */
  x: ArrayLike<number>;
  /** Values; NaN and +/-Infinity are kept and marked. */
  y: ArrayLike<number>;
  /** Wall times in epoch ms, aligned with `y`; needed for the `relative` and `wall` x axes. */
  time?: ArrayLike<number>;
}

/** A chart read: M4 buckets on a power-of-two grid (core's `ChartData`, the server's chart JSON decoded). */
export interface M4Chart {
  /** Buckets are 2^pixelExp axis units wide. */
  pixelExp: number;
  /** Axis the buckets are on. @default 'x' */
  axis?: 'x' | 'time';
  buckets: BucketColumns;
}

/** A trace handed in as M4 buckets. */
export interface M4Data extends TraceInfo {
  chart: M4Chart;
}

/** What `<ts-chart>.data` takes: raw columns or M4 buckets, one entry per trace. */
export type ChartInput = LineData | M4Data;

/** True when the input holds M4 buckets. */
export function isM4Data(input: ChartInput): input is M4Data {
  return 'chart' in input;
}

import type { AxisScale } from '@trainscope/core';

/** Axis settings of a group or scale: unit label and bounds. */
export interface AxisOptions {
  /** Unit label. @default none */
  units?: string;
  /** Lower bound. @default none (from the data) */
  lower?: number;
  /** Upper bound. @default none (from the data) */
  upper?: number;
}

/** Scale settings: axis settings plus drawing as a progress bar. */
export interface ScaleOptions extends AxisOptions {
  /** Draw the metric as a progress bar. @default false */
  progress?: boolean;
}

function axis(name: string, options: ScaleOptions): AxisScale {
  const out: AxisScale = {};
  if (name) out.name = name;
  if (options.units !== undefined) out.units = options.units;
  if (options.lower !== undefined) out.lower = options.lower;
  if (options.upper !== undefined) out.upper = options.upper;
  if (options.progress) out.progress = true;
  return out;
}

/** Coflux `MetricGroup`: metrics of a group share a chart and its x axis (stored as the series' `group` and `xScale`). */
export class MetricGroup {
  readonly name: string;
  readonly axis: AxisScale;
  constructor(name: string, options: AxisOptions = {}) {
    this.name = name;
    this.axis = axis(name, options);
  }
}

/** Coflux `MetricScale`: a y axis; metrics of a group with the same scale name share it (stored as the series' `scale`). */
export class MetricScale {
  readonly name: string;
  readonly axis: AxisScale;
  constructor(name = '', options: ScaleOptions = {}) {
    this.name = name;
    this.axis = axis(name, options);
  }
}

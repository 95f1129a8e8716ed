import type { SeriesDef } from '@trainscope/core';
import type { PointWriter } from './point-writer.js';
import type { Refusals } from './refusals.js';

/** What a metric needs from the experiment it records into. */
export interface MetricHost {
  /** True once the experiment is closed. */
  readonly closed: boolean;
  /** When the run started (epoch ms): `record` without `at` uses seconds since then as x. */
  readonly startedAt: number;
  readonly writer: PointWriter;
  /** Default values per second of a metric that does not set `throttle`. */
  readonly throttle: number | null;
  /** Where refused calls are counted. */
  readonly refusals: Refusals;
  /** Sink id of a series, defining it on first use. */
  defineSeries(def: SeriesDef): number;
}

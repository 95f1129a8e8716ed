/** statsd metric types this listener understands, keyed by their wire suffix. */
export const StatsdType = {
  counter: 'c',
  gauge: 'g',
  timer: 'ms',
  histogram: 'h',
  distribution: 'd',
  set: 's',
} as const;
export type StatsdType = (typeof StatsdType)[keyof typeof StatsdType];

/** One metric value read from a statsd line (a multi-value line gives several). */
export interface StatsdSample {
  /** Metric name as sent (before any tags). */
  readonly name: string;
  /** Wire type: `c`, `g`, `ms`, `h`, `d` or `s`. */
  readonly type: StatsdType;
  /** Numeric value; `NaN` for sets (see `member`). Gauges may hold NaN or +/-Infinity. */
  readonly value: number;
  /** Sample rate from `|@rate`, in (0, 1]; 1 when absent. */
  readonly rate: number;
  /** Gauges only: the value was written `+n` / `-n` and adjusts the current value. */
  readonly delta: boolean;
  /** Sets only: the member as sent. */
  readonly member: string | undefined;
  /** DogStatsD tags as sent after `|#` (`key:value,flag`), or `''` when none. */
  readonly tags: string;
}

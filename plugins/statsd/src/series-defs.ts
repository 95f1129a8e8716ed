import { MetricType, type SeriesDef, SeriesKind } from '@trainscope/core';

/** Statistics written for timers and histograms each flush interval, in this order. */
export const DISTRIBUTION_STATS = ['count', 'min', 'max', 'mean', 'p50', 'p90', 'p99'] as const;
export type DistributionStat = (typeof DISTRIBUTION_STATS)[number];

function def(name: string, type: MetricType, labels: Readonly<Record<string, string>>, unit?: string): SeriesDef {
  const out: SeriesDef = { name, kind: SeriesKind.custom, type };
  if (unit !== undefined) out.unit = unit;
  if (Object.keys(labels).length > 0) out.labels = { ...labels };
  return out;
}

/** `<name>` (cumulative, counter) and `<name>/rate` (per second over the interval, rate). */
export function counterDefs(name: string, labels: Readonly<Record<string, string>>): [SeriesDef, SeriesDef] {
  return [def(name, MetricType.counter, labels), def(`${name}/rate`, MetricType.rate, labels, '1/s')];
}

/** `<name>`, the gauge's values. */
export function gaugeDef(name: string, labels: Readonly<Record<string, string>>): SeriesDef {
  return def(name, MetricType.gauge, labels);
}

/** `<name>/count`, `/min`, `/max`, `/mean`, `/p50`, `/p90`, `/p99`; unit `ms` for timers. */
export function distributionDefs(name: string, timer: boolean, labels: Readonly<Record<string, string>>): SeriesDef[] {
  const type = timer ? MetricType.timer : MetricType.histogram;
  return DISTRIBUTION_STATS.map((stat) =>
    def(`${name}/${stat}`, type, labels, stat === 'count' || !timer ? undefined : 'ms'),
  );
}

/** `<name>/cardinality`, distinct members per interval. */
export function setDef(name: string, labels: Readonly<Record<string, string>>): SeriesDef {
  return def(`${name}/cardinality`, MetricType.set, labels);
}

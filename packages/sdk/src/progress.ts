import { Metric, type MetricOptions } from './metric.js';
import type { MetricGroup } from './metric-axes.js';
import { MetricScale } from './metric-axes.js';

/** Options of `progress(iterable, options)`. */
export interface ProgressOptions {
  /** Name of the progress metric. @default 'progress' */
  key?: string;
  /** Group of the progress metric. @default none */
  group?: string | MetricGroup;
  /** Number of items, when the iterable does not say (`length` or `size`). @default unknown: the metric counts items */
  total?: number;
  /** Values written per second at most. @default the experiment's `throttle` */
  throttle?: number | null;
  /** Experiment to record into. @default the current one */
  experiment?: MetricOptions['experiment'];
}

function lengthOf(items: unknown, total: number | undefined): number | undefined {
  if (total !== undefined) return total;
  if (items === null || typeof items !== 'object') return undefined;
  const { length, size } = items as { length?: unknown; size?: unknown };
  if (typeof length === 'number') return length;
  if (typeof size === 'number') return size;
  return undefined;
}

function progressMetric(items: unknown, options: ProgressOptions): { metric: Metric; total: number | undefined } {
  const total = lengthOf(items, options.total);
  const scale =
    total === undefined
      ? new MetricScale('progress', { progress: true, lower: 0 })
      : new MetricScale('progress', { progress: true, lower: 0, upper: 1 });
  const metric = new Metric(options.key ?? 'progress', {
    ...(options.group !== undefined ? { group: options.group } : {}),
    ...(options.throttle !== undefined ? { throttle: options.throttle } : {}),
    ...(options.experiment ? { experiment: options.experiment } : {}),
    scale,
    type: 'progress',
  });
  return { metric, total };
}

function* syncProgress<T>(items: Iterable<T>, options: ProgressOptions): Generator<T, void, undefined> {
  const { metric, total } = progressMetric(items, options);
  let done = 0;
  metric.record(0);
  try {
    for (const item of items) {
      yield item;
      done++;
      metric.record(total ? done / total : done);
    }
  } finally {
    metric.flush();
  }
}

async function* asyncProgress<T>(
  items: AsyncIterable<T>,
  options: ProgressOptions,
): AsyncGenerator<T, void, undefined> {
  const { metric, total } = progressMetric(items, options);
  let done = 0;
  metric.record(0);
  try {
    for await (const item of items) {
      yield item;
      done++;
      metric.record(total ? done / total : done);
    }
  } finally {
    metric.flush();
  }
}

/**
 * Coflux `progress()`: yields the items of a sync or async iterable and records a progress metric
 * as they are consumed: the fraction done (0..1) when the length is known, the count otherwise.
 * The last value is written when the loop ends, however it ends.
 */
export function progress<T>(items: Iterable<T>, options?: ProgressOptions): Generator<T, void, undefined>;
export function progress<T>(items: AsyncIterable<T>, options?: ProgressOptions): AsyncGenerator<T, void, undefined>;
export function progress<T>(
  items: Iterable<T> | AsyncIterable<T>,
  options: ProgressOptions = {},
): Generator<T, void, undefined> | AsyncGenerator<T, void, undefined> {
  if (Symbol.asyncIterator in items) return asyncProgress(items as AsyncIterable<T>, options);
  return syncProgress(items as Iterable<T>, options);
}

import type { MetricData } from './metric-records.js';
import type { Refusals } from './refusals.js';
import { checkValue } from './values.js';

/** Statistics of the values stored under one key, as ml-dash's summary cache writes them. */
export interface SummaryStats {
  mean: number;
  min: number;
  max: number;
  /** Population standard deviation. */
  std: number;
  count: number;
}

/** mean/min/max/std over the finite values (NaN when there is none); count over all. */
export function summaryStats(values: readonly number[]): SummaryStats {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { mean: Number.NaN, min: Number.NaN, max: Number.NaN, std: Number.NaN, count: values.length };
  return { mean, min, max, std: Math.sqrt(m2 / n), count: values.length };
}

/**
 * ml-dash's summary cache: `store` values per batch, `set` values that need no statistics (epoch,
 * lr), then `summarize` appends one record `{ epoch, 'loss.mean', 'loss.min', 'loss.max',
 * 'loss.std', 'loss.count' }` to the metric.
 */
export class SummaryCache {
  readonly #metric: string;
  readonly #append: (data: MetricData) => unknown;
  readonly #values = new Map<string, number[]>();
  readonly #meta = new Map<string, number>();

  readonly #refusals: Refusals | undefined;

  constructor(metric: string, append: (data: MetricData) => unknown, refusals?: Refusals) {
    this.#metric = metric;
    this.#append = append;
    this.#refusals = refusals;
  }

  #checked(values: Record<string, number>): (readonly [string, number])[] {
    try {
      return Object.entries(values).map(([k, v]) => [k, checkValue(`${this.#metric}.${k}`, v)] as const);
    } catch (error) {
      throw this.#refusals ? this.#refusals.count(error) : error;
    }
  }

  /** Keeps values for the next summary (nothing is written yet). */
  store(values: Record<string, number>): void {
    for (const [key, value] of this.#checked(values)) {
      let list = this.#values.get(key);
      if (!list) {
        list = [];
        this.#values.set(key, list);
      }
      list.push(value);
    }
  }

  /** Sets values written as they are with the next summary. */
  set(values: Record<string, number>): void {
    for (const [key, value] of this.#checked(values)) this.#meta.set(key, value);
  }

  /** The values stored under a key (the last `limit` of them), without removing them. */
  peek(key: string, limit?: number): number[] {
    const list = this.#values.get(key) ?? [];
    return limit === undefined ? [...list] : list.slice(Math.max(0, list.length - limit));
  }

  /**
   * Appends one record of statistics per stored key plus the set values, and returns it (null when
   * nothing was stored). `clear` (the default) starts the next window afresh (rolling); `false`
   * keeps accumulating (cumulative).
   */
  summarize(options: { clear?: boolean } = {}): MetricData | null {
    if (this.#values.size === 0) return null;
    const record: MetricData = Object.fromEntries(this.#meta);
    for (const [key, list] of this.#values) {
      const stats = summaryStats(list);
      for (const [stat, value] of Object.entries(stats)) record[`${key}.${stat}`] = value;
    }
    this.#append(record);
    if (options.clear ?? true) {
      this.#values.clear();
      this.#meta.clear();
    }
    return record;
  }
}

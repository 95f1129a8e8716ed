import { BatchError } from './errors.js';

/**
 * A columnar batch of points: aligned typed arrays, one entry per point.
 *
 * - `series`: series ids (from `PluginContext.series()` / `RunWriter.series()`).
 * - `x`: step / epoch / `at` value; `NaN` means "none given" and the store numbers the point by
 *   its position in the series instead. `+/-Infinity` is refused.
 * - `time`: wall time in epoch milliseconds (fractions allowed); must be finite.
 * - `value`: float64; NaN and +/-Infinity are stored and returned as such.
 */
export interface PointBatch {
  readonly length: number;
  readonly series: Uint32Array;
  readonly x: Float64Array;
  readonly time: Float64Array;
  readonly value: Float64Array;
}

/** Wraps existing columns as a batch after checking that they line up. */
export function pointBatch(series: Uint32Array, x: Float64Array, time: Float64Array, value: Float64Array): PointBatch {
  const batch = { length: series.length, series, x, time, value };
  validateBatchShape(batch);
  return batch;
}

/** Throws a `BatchError` when the columns of a batch do not line up. */
export function validateBatchShape(batch: PointBatch): void {
  const { length } = batch;
  if (!Number.isInteger(length) || length < 0) {
    throw new BatchError(`Batch length must be a non-negative integer, got ${String(length)}.`, length);
  }
  for (const column of ['series', 'x', 'time', 'value'] as const) {
    const array = batch[column];
    if (array === undefined || array.length < length) {
      throw new BatchError(
        `Batch column "${column}" has ${array?.length ?? 0} entries but the batch has ${length} points; all columns must have the same length.`,
        { column, length: array?.length },
      );
    }
  }
}

/** Throws a `BatchError` for x values of +/-Infinity or wall times that are not finite. */
export function validateBatchValues(batch: PointBatch): void {
  const { x, time, length } = batch;
  for (let i = 0; i < length; i++) {
    const xi = x[i] as number;
    if (xi === Infinity || xi === -Infinity) {
      throw new BatchError(`Point ${i} has x = ${xi}; x must be finite (or NaN for "none given").`, xi);
    }
    const ti = time[i] as number;
    if (!Number.isFinite(ti)) {
      throw new BatchError(`Point ${i} has wall time ${ti}; wall time must be finite epoch milliseconds.`, ti);
    }
  }
}

/**
 * Grows columnar arrays point by point, for sources that see one point at a time (parsers,
 * samplers). `take()` hands the filled columns over as a batch and starts afresh.
 */
export class BatchBuilder {
  #series: Uint32Array;
  #x: Float64Array;
  #time: Float64Array;
  #value: Float64Array;
  #length = 0;

  /** @param capacity initial number of points; @default 256 */
  constructor(capacity = 256) {
    this.#series = new Uint32Array(capacity);
    this.#x = new Float64Array(capacity);
    this.#time = new Float64Array(capacity);
    this.#value = new Float64Array(capacity);
  }

  /** Number of points held. */
  get length(): number {
    return this.#length;
  }

  /** Adds one point; `x` NaN (the default) means none given. */
  push(series: number, value: number, time: number, x = Number.NaN): void {
    if (this.#length === this.#series.length) this.#grow();
    const i = this.#length++;
    this.#series[i] = series;
    this.#x[i] = x;
    this.#time[i] = time;
    this.#value[i] = value;
  }

  /** Returns the points held as a batch of their own (copies) and empties the builder. */
  take(): PointBatch {
    const n = this.#length;
    // Copies of just the rows taken; the builder keeps its buffers for the next batch.
    const batch: PointBatch = {
      length: n,
      series: this.#series.slice(0, n),
      x: this.#x.slice(0, n),
      time: this.#time.slice(0, n),
      value: this.#value.slice(0, n),
    };
    this.#length = 0;
    return batch;
  }

  #grow(): void {
    const capacity = this.#series.length * 2;
    const series = new Uint32Array(capacity);
    series.set(this.#series);
    const x = new Float64Array(capacity);
    x.set(this.#x);
    const time = new Float64Array(capacity);
    time.set(this.#time);
    const value = new Float64Array(capacity);
    value.set(this.#value);
    this.#series = series;
    this.#x = x;
    this.#time = time;
    this.#value = value;
  }
}

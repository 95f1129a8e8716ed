import type { LiveDeltaColumns } from './live-binary.js';
import type { LiveDelta } from './types.js';
import { decodeColumn } from './wire-number.js';

/** A JSON delta with its columns decoded (NaN and infinities restored). */
export function deltaColumns(d: LiveDelta): LiveDeltaColumns {
  return {
    series: d.series,
    run: d.run,
    from: d.from,
    x: Float64Array.from(d.x),
    xGiven: Uint8Array.from(d.x_given),
    time: Float64Array.from(d.time),
    value: decodeColumn(d.value),
  };
}

/** New points of one series, decoded, contiguous from point number `from`. */
export interface LivePoints {
  seriesId: number;
  runId: string;
  from: number;
  x: Float64Array;
  xGiven: Uint8Array;
  time: Float64Array;
  value: Float64Array;
}

/**
 * The client's cursor per series (points held so far). Applies deltas so that a point is never
 * delivered twice, even across reconnects, and reports a gap instead of skipping over it.
 */
export class LiveCursors {
  readonly #cursor = new Map<number, number>();

  constructor(initial: Record<number, number> = {}) {
    for (const [id, n] of Object.entries(initial)) this.#cursor.set(Number(id), n);
  }

  /** Cursors to resume from. */
  snapshot(): Record<number, number> {
    return Object.fromEntries(this.#cursor);
  }

  /** Sets cursors for series the caller starts following. */
  add(series: Record<number, number>): void {
    for (const [id, n] of Object.entries(series)) this.#cursor.set(Number(id), n);
  }

  /**
   * Advances past a delta. Returns the part not held yet (null if all of it was), or throws
   * when the delta starts after the cursor (points would be missing).
   */
  apply(delta: LiveDelta | LiveDeltaColumns): LivePoints | null {
    const held = this.#cursor.get(delta.series) ?? 0;
    const end = delta.from + delta.value.length;
    if (delta.from > held) {
      throw new Error(`Live stream gap on series ${delta.series}: expected point ${held}, got ${delta.from}.`);
    }
    if (end <= held) return null;
    const d = delta.value instanceof Float64Array ? (delta as LiveDeltaColumns) : deltaColumns(delta as LiveDelta);
    const skip = held - d.from;
    this.#cursor.set(d.series, end);
    return {
      seriesId: d.series,
      runId: d.run,
      from: held,
      x: d.x.subarray(skip),
      xGiven: d.xGiven.subarray(skip),
      time: d.time.subarray(skip),
      value: d.value.subarray(skip),
    };
  }
}

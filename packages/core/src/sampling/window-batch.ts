import type { PointBatch } from '../batch.js';
import type { SampleWindow } from './window.js';

/** Series id of one slot's mean (part 0), min (1) or max (2); called once per slot and part. */
export type DefineSeries = (slot: number, part: number) => number;

/**
 * A window's flush as one columnar batch: per slot that got samples, three points (mean, min,
 * max) stamped with one time. Series ids are asked for the first time a slot reports and kept,
 * so a flush does no name or label work; the window is read into columns allocated once, and
 * the batch handed over is a copy of the rows used (the receiver may keep it).
 */
export class WindowBatch {
  readonly #window: SampleWindow;
  readonly #define: DefineSeries;
  readonly #ids: Int32Array;
  readonly #slots: Uint32Array;
  readonly #values: Float64Array;

  constructor(window: SampleWindow, define: DefineSeries) {
    this.#window = window;
    this.#define = define;
    this.#ids = new Int32Array(window.slots * 3).fill(-1);
    this.#slots = new Uint32Array(window.slots);
    this.#values = new Float64Array(window.slots * 3);
  }

  /** Flushes the window into a batch stamped `time`; undefined when no slot got samples. */
  take(time: number): PointBatch | undefined {
    const n = this.#window.flushInto(this.#slots, this.#values);
    if (n === 0) return undefined;
    const points = n * 3;
    const ids = this.#ids;
    const series = new Uint32Array(points);
    for (let k = 0; k < n; k++) {
      const slot = this.#slots[k] as number;
      for (let part = 0; part < 3; part++) {
        let id = ids[slot * 3 + part] as number;
        if (id < 0) {
          id = this.#define(slot, part);
          ids[slot * 3 + part] = id;
        }
        series[k * 3 + part] = id;
      }
    }
    return {
      length: points,
      series,
      x: new Float64Array(points).fill(Number.NaN),
      time: new Float64Array(points).fill(time),
      value: this.#values.slice(0, points),
    };
  }
}

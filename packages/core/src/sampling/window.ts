/**
 * Fast samples in, one mean/min/max triple per slot and reporting window out.
 *
 * Slots are small integers fixed when the window is made (one per figure). NaN samples do not
 * enter the mean, min or max; a slot whose samples in a window were all NaN reports NaN for all
 * three, so a figure that could not be read shows as a gap-marker instead of a made-up 0.
 * +/-Infinity is kept (the mean becomes +/-Infinity, or NaN when both signs occur).
 */
export class SampleWindow {
  readonly slots: number;
  #samples: Uint32Array;
  #finite: Uint32Array;
  #sum: Float64Array;
  #min: Float64Array;
  #max: Float64Array;

  constructor(slots: number) {
    this.slots = slots;
    this.#samples = new Uint32Array(slots);
    this.#finite = new Uint32Array(slots);
    this.#sum = new Float64Array(slots);
    this.#min = new Float64Array(slots).fill(Number.POSITIVE_INFINITY);
    this.#max = new Float64Array(slots).fill(Number.NEGATIVE_INFINITY);
  }

  /** Adds one sample to a slot. */
  add(slot: number, value: number): void {
    this.#samples[slot] = (this.#samples[slot] as number) + 1;
    if (Number.isNaN(value)) return;
    this.#finite[slot] = (this.#finite[slot] as number) + 1;
    this.#sum[slot] = (this.#sum[slot] as number) + value;
    if (value < (this.#min[slot] as number)) this.#min[slot] = value;
    if (value > (this.#max[slot] as number)) this.#max[slot] = value;
  }

  /** Number of samples (NaN included) a slot holds in the current window. */
  count(slot: number): number {
    return this.#samples[slot] ?? 0;
  }

  /**
   * Calls `emit` for every slot that got samples in this window, in slot order, then starts a
   * new window.
   */
  flush(emit: (slot: number, mean: number, min: number, max: number) => void): void {
    for (let slot = 0; slot < this.slots; slot++) {
      const samples = this.#samples[slot] as number;
      if (samples === 0) continue;
      const finite = this.#finite[slot] as number;
      if (finite === 0) emit(slot, Number.NaN, Number.NaN, Number.NaN);
      else emit(slot, (this.#sum[slot] as number) / finite, this.#min[slot] as number, this.#max[slot] as number);
    }
    this.#reset();
  }

  /**
   * The same as `flush`, without a callback: writes every slot that got samples, in slot order,
   * as its number into `slots` and its mean, min and max into `values` (three entries per slot),
   * then starts a new window. Returns how many slots it wrote. `slots` needs room for
   * `this.slots` entries and `values` for three times as many.
   */
  flushInto(slots: Uint32Array, values: Float64Array): number {
    let n = 0;
    for (let slot = 0; slot < this.slots; slot++) {
      if (this.#samples[slot] === 0) continue;
      const finite = this.#finite[slot] as number;
      const at = n * 3;
      slots[n++] = slot;
      if (finite === 0) {
        values[at] = Number.NaN;
        values[at + 1] = Number.NaN;
        values[at + 2] = Number.NaN;
      } else {
        values[at] = (this.#sum[slot] as number) / finite;
        values[at + 1] = this.#min[slot] as number;
        values[at + 2] = this.#max[slot] as number;
      }
    }
    this.#reset();
    return n;
  }

  #reset(): void {
    this.#samples.fill(0);
    this.#finite.fill(0);
    this.#sum.fill(0);
    this.#min.fill(Number.POSITIVE_INFINITY);
    this.#max.fill(Number.NEGATIVE_INFINITY);
  }
}

/** End of the reporting window that holds `time`: windows are aligned to multiples of `interval`. */
export function windowEnd(time: number, interval: number): number {
  return (Math.floor(time / interval) + 1) * interval;
}

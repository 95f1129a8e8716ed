import type { ParseContext } from './parse-context.js';
import type { TqdmBar } from './parse-tqdm.js';
import { Format, XAxis } from './sink.js';
import type { Throttle } from './throttle.js';

/**
 * Turns one stream's tqdm postfixes into points at x = global position: `n` plus the `n` of
 * earlier bars (a bar whose `n` goes back is a new bar, e.g. the next epoch). A point is taken
 * when the position moved forward and the throttle allows, or when a bar finishes (n = total at
 * the end of a line; the next bar then counts on from it), so a redraw never repeats a point.
 * Every redraw must be handed in, throttled or not, so that a new bar is noticed.
 */
export class TqdmTracker {
  #offset = 0;
  #lastN = 0;
  #lastStep = Number.NEGATIVE_INFINITY;

  constructor(
    readonly context: ParseContext,
    readonly throttle: Throttle,
    readonly batchPoints: boolean,
  ) {}

  onBar(bar: TqdmBar, endOfLine: boolean, now: number): void {
    if (bar.n < this.#lastN) this.#offset += this.#lastN;
    this.#lastN = bar.n;
    const step = this.#offset + bar.n;
    const finished = endOfLine && bar.n === bar.total;
    if (finished) {
      // A bar that ended its line is done: the next bar starts after it, whatever its `n`.
      this.#offset += bar.n;
      this.#lastN = 0;
    }
    if (step <= this.#lastStep) return;
    if (!finished && (!this.batchPoints || !this.throttle.due(now))) return;
    this.#lastStep = step;
    this.throttle.mark(now);
    for (let k = 0; k < bar.names.length; k++) {
      this.context.emit(bar.names[k] as string, bar.values[k] as number, step, now, XAxis.step, Format.tqdm);
    }
  }
}

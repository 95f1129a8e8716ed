import type { ParseContext } from './parse-context.js';
import type { KerasEpoch, KerasProgress } from './parse-keras.js';
import { Format, XAxis } from './sink.js';
import type { Throttle } from './throttle.js';

/**
 * Follows one stream's Keras output across epochs and turns it into points:
 *
 * - the epoch's last line (current = target, ending in a newline, no `ETA:`) gives `<name>` at
 *   x = epoch (the number `Epoch N/M` printed, 1-based; counted from 1 when Keras prints no header,
 *   as Keras 3 does for `epochs=1`); each (epoch, name) is recorded once, so a repeated final line
 *   adds only names it did not have (`val_*`) and never a duplicate;
 * - redraws inside an epoch give `batch/<name>` at x = global step (steps of finished epochs +
 *   current), only when the step moved forward and the throttle allows;
 * - a final line after training ended with no new `Epoch` header (`model.evaluate()` after
 *   `fit()`) gives `eval/<name>` at x = the last epoch; its redraws give nothing.
 */
export class KerasTracker {
  #epoch = 0;
  #headerSeen = false;
  #headerFresh = false;
  #finalsWithoutHeader = 0;
  #stepOffset = 0;
  #lastStep = Number.NEGATIVE_INFINITY;
  #lastFinalTarget = Number.NaN;
  #epochNames = new Set<string>();
  /** The names of the last redraw read, and their `batch/` series names. */
  #redrawNames: string[] = [];
  #batchNames: string[] = [];

  constructor(
    readonly context: ParseContext,
    readonly throttle: Throttle,
    readonly batchPoints: boolean,
  ) {}

  /** Handles a parsed line; `endOfLine` is false for a `\r` redraw. */
  onLine(line: KerasProgress | KerasEpoch, endOfLine: boolean, now: number): void {
    if (line.kind === 'epoch') {
      this.#epoch = line.epoch;
      this.#headerSeen = true;
      this.#headerFresh = true;
      this.#epochNames.clear();
      return;
    }
    const final = endOfLine && !line.eta && line.current === line.target;
    if (final) this.#final(line, now);
    else this.#redraw(line, now);
  }

  #final(line: KerasProgress, now: number): void {
    const { names, values } = line;
    if (this.#headerFresh || !this.#headerSeen) {
      if (this.#headerFresh) this.#headerFresh = false;
      else {
        this.#finalsWithoutHeader++;
        this.#epochNames.clear();
      }
      this.#epochFinal(line, this.#headerSeen ? this.#epoch : this.#finalsWithoutHeader, now);
      this.#stepOffset += line.current;
      this.#lastFinalTarget = line.target;
      return;
    }
    // No new header: the same epoch's final line again (Keras without a dynamic display) if it
    // adds names, otherwise an evaluation after training.
    if (line.target === this.#lastFinalTarget && names.some((name) => !this.#epochNames.has(name))) {
      this.#epochFinal(line, this.#epoch, now);
      return;
    }
    for (let k = 0; k < names.length; k++) {
      this.context.emit(`eval/${names[k]}`, values[k] as number, this.#epoch, now, XAxis.epoch, Format.keras);
    }
  }

  #epochFinal(line: KerasProgress, epoch: number, now: number): void {
    const { names, values } = line;
    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      if (this.#epochNames.has(name)) continue;
      this.#epochNames.add(name);
      this.context.emit(name, values[k] as number, epoch, now, XAxis.epoch, Format.keras);
    }
  }

  #redraw(line: KerasProgress, now: number): void {
    if (!this.batchPoints || (this.#headerSeen && !this.#headerFresh)) return;
    const step = this.#stepOffset + line.current;
    if (step <= this.#lastStep || line.names.length === 0 || !this.throttle.due(now)) return;
    this.#lastStep = step;
    this.throttle.mark(now);
    const { names, values } = line;
    for (let k = 0; k < names.length; k++) {
      this.context.emit(
        this.#batchName(k, names[k] as string),
        values[k] as number,
        step,
        now,
        XAxis.step,
        Format.keras,
      );
    }
  }

  /**
   * `batch/<name>` for the `k`th name of a redraw. Redraws name the same metrics in the same order,
   * so the string made for the last one is handed out again: one short comparison instead of a
   * new string that every `Map` on the way to the store would hash again.
   */
  #batchName(k: number, name: string): string {
    if (this.#redrawNames[k] === name) return this.#batchNames[k] as string;
    const batchName = `batch/${name}`;
    this.#redrawNames[k] = name;
    this.#batchNames[k] = batchName;
    return batchName;
  }
}

/**
 * Client-side throttle in fixed windows of `1000 / perSecond` ms: at most one value per window
 * leaves, the latest one the window saw. `offer` says whether the value was held back.
 */
export class Throttle {
  readonly #perMs: number;
  #window = Number.NEGATIVE_INFINITY;
  /** Whether a value is held for the current (or a past, not yet released) window. */
  holding = false;
  value = 0;
  time = 0;
  x = 0;

  /** @param perSecond values let through per second; must be > 0 */
  constructor(perSecond: number) {
    this.#perMs = perSecond / 1000;
  }

  /**
   * Takes a value at wall time `time`. Returns true when a value of an earlier window is waiting
   * and must be written before this one replaces it (read `value`/`time`/`x` first, then call
   * `hold`); false when the new value can simply be held.
   */
  due(time: number): boolean {
    return this.holding && Math.floor(time * this.#perMs) !== this.#window;
  }

  /** Holds a value as the latest of its window. */
  hold(value: number, time: number, x: number): void {
    this.#window = Math.floor(time * this.#perMs);
    this.holding = true;
    this.value = value;
    this.time = time;
    this.x = x;
  }
}

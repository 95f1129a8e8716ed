/** At most one take per `intervalMs` of the caller's clock (the parser is handed `now`). */
export class Throttle {
  #last = Number.NEGATIVE_INFINITY;
  constructor(readonly intervalMs: number) {}

  due(now: number): boolean {
    return now - this.#last >= this.intervalMs;
  }

  mark(now: number): void {
    this.#last = now;
  }
}

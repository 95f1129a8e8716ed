/**
 * Says whether a byte occurs in `view[start, end)` for ranges that move forward through one
 * buffer (the redraws of a chunk), with one native search per occurrence instead of a loop over
 * every range: the next occurrence found is remembered until a range passes it. `reset()` before
 * each new chunk, since a caller may refill the same buffer.
 */
export class ForwardSearch {
  #view: Uint8Array | undefined;
  #from = 0;
  /** The first occurrence at or after `#from`, or -1 when there is none. */
  #at = -1;

  constructor(readonly byte: number) {}

  has(view: Buffer, start: number, end: number): boolean {
    if (view !== this.#view || start < this.#from || (this.#at >= 0 && this.#at < start)) {
      this.#view = view;
      this.#from = start;
      this.#at = view.indexOf(this.byte, start);
    }
    return this.#at >= 0 && this.#at < end;
  }

  reset(): void {
    this.#view = undefined;
  }
}

/**
 * Small integer slots for the series ids of one batch, in order of first appearance: a dense
 * array indexed by id for the ids a store hands out (sequential from 0), a map past it. Replaces
 * a Map lookup per point where batches interleave series. Reused: `clear` after each batch.
 */
export class SeriesSlots {
  static readonly #DENSE_LIMIT = 1 << 22;
  /** slot + 1 by id; 0 = not in this batch. */
  #dense = new Int32Array(1024);
  readonly #sparse = new Map<number, number>();
  /** Ids in slot order. */
  readonly ids: number[] = [];

  /** The slot of `id`, or -1. */
  get(id: number): number {
    if (id < this.#dense.length) return (this.#dense[id] as number) - 1;
    return this.#sparse.get(id) ?? -1;
  }

  /** Gives `id` (not yet present) the next slot and returns it. */
  add(id: number): number {
    const slot = this.ids.length;
    this.ids.push(id);
    if (id < SeriesSlots.#DENSE_LIMIT) {
      if (id >= this.#dense.length) {
        let size = this.#dense.length;
        while (size <= id) size *= 2;
        const next = new Int32Array(Math.min(size, SeriesSlots.#DENSE_LIMIT));
        next.set(this.#dense);
        this.#dense = next;
      }
      this.#dense[id] = slot + 1;
    } else {
      this.#sparse.set(id, slot);
    }
    return slot;
  }

  /** Forgets every id. */
  clear(): void {
    for (const id of this.ids) if (id < this.#dense.length) this.#dense[id] = 0;
    this.#sparse.clear();
    this.ids.length = 0;
  }
}

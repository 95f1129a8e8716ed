import type { SeriesSummary } from '../model.js';
import { type SeriesStats, summaryOfStats } from './series-state.js';

/** The `SeriesStats` fields in the order `StoredStats.setRows` takes its columns. */
export const STATS_FIELDS = [
  'count',
  'nonFinite',
  'finite',
  'lastV',
  'lastX',
  'lastT',
  'min',
  'max',
  'mean',
  'm2',
] as const satisfies readonly (keyof SeriesStats)[];

/**
 * Statistics of many series in typed arrays (a column per field, rows in the order first set,
 * found by an open-addressing table of series ids), summarized when asked. The first read of a
 * name sets tens of thousands at once: as a summary object each in a Map, their allocation and the
 * collections it caused took 100 to 300 ms, and a Map of ids alone still over 100 ms on a busy
 * machine. The rows set first go first when trimmed.
 */
export class StoredStats {
  #columns = STATS_FIELDS.map(() => new Float64Array(1024));
  #ids = new Float64Array(1024);
  /** Row + 1 per slot (0: empty), slot by hash of the series id, then the next ones. */
  #slots = new Int32Array(2048);
  /** 32 less log2 of the slot count: a slot is the hash's top bits. */
  #shift = 32 - 11;
  #used = 0;
  /** Summaries made so far of the rows held (a run table asks for the same ones again and again). */
  readonly #summaries = new Map<number, SeriesSummary>();

  /** Series held. */
  get size(): number {
    return this.#used;
  }

  has(id: number): boolean {
    return this.#rowOf(id) >= 0;
  }

  /**
   * Sets the statistics of series `ids[i]` to row `i` of `columns` (one per `STATS_FIELDS`
   * entry) for each `i` in `picked`.
   */
  setRows(ids: ArrayLike<number>, columns: readonly Float64Array[], picked: ArrayLike<number>): void {
    // Room for all of them first, then one tight loop with the tables in locals: a call per id
    // cost four times as much.
    while (this.#ids.length < this.#used + picked.length) this.#grow();
    const slots = this.#slots;
    const held = this.#ids;
    const shift = this.#shift;
    const mask = slots.length - 1;
    let used = this.#used;
    const to = new Int32Array(picked.length);
    for (let k = 0; k < picked.length; k++) {
      const id = ids[picked[k] as number] as number;
      let slot = hash(id) >>> shift;
      let row = (slots[slot] as number) - 1;
      while (row >= 0 && held[row] !== id) {
        slot = (slot + 1) & mask;
        row = (slots[slot] as number) - 1;
      }
      if (row < 0) {
        row = used++;
        held[row] = id;
        slots[slot] = row + 1;
      }
      to[k] = row;
    }
    this.#used = used;
    if (this.#summaries.size > 0)
      for (let k = 0; k < picked.length; k++) this.#summaries.delete(ids[picked[k] as number] as number);
    for (let f = 0; f < STATS_FIELDS.length; f++) {
      const from = columns[f] as Float64Array;
      const out = this.#columns[f] as Float64Array;
      for (let k = 0; k < picked.length; k++) out[to[k] as number] = from[picked[k] as number] as number;
    }
  }

  /** Sets the statistics of series `id`. */
  set(id: number, stats: Readonly<SeriesStats>): void {
    this.setRows(
      [id],
      STATS_FIELDS.map((field) => Float64Array.of(stats[field])),
      [0],
    );
  }

  /** The summary of series `id`, or undefined when not held. */
  summary(id: number): SeriesSummary | undefined {
    const made = this.#summaries.get(id);
    if (made) return made;
    const row = this.#rowOf(id);
    if (row < 0) return undefined;
    const at = (f: number) => (this.#columns[f] as Float64Array)[row] as number;
    const summary = summaryOfStats(id, {
      count: at(0),
      nonFinite: at(1),
      finite: at(2),
      lastV: at(3),
      lastX: at(4),
      lastT: at(5),
      min: at(6),
      max: at(7),
      mean: at(8),
      m2: at(9),
    });
    this.#summaries.set(id, summary);
    return summary;
  }

  /** Drops the series set first until at most `max` are held. */
  trim(max: number): void {
    const drop = this.#used - Math.max(0, max);
    if (drop <= 0) return;
    for (const column of [...this.#columns, this.#ids]) column.copyWithin(0, drop, this.#used);
    this.#used -= drop;
    this.#summaries.clear();
    this.#rehash(this.#slots.length);
  }

  #rowOf(id: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = hash(id) >>> this.#shift; ; slot = (slot + 1) & mask) {
      const held = (this.#slots[slot] as number) - 1;
      if (held < 0 || this.#ids[held] === id) return held;
    }
  }

  /** Doubles the rows and the slots (kept at most half full). */
  #grow(): void {
    const rows = this.#ids.length * 2;
    const wider = (old: Float64Array) => {
      const next = new Float64Array(rows);
      next.set(old);
      return next;
    };
    this.#columns = this.#columns.map(wider);
    this.#ids = wider(this.#ids);
    this.#rehash(rows * 2);
  }

  #rehash(slotCount: number): void {
    this.#slots = new Int32Array(slotCount);
    this.#shift = 32 - Math.log2(slotCount);
    const mask = slotCount - 1;
    for (let row = 0; row < this.#used; row++) {
      let slot = hash(this.#ids[row] as number) >>> this.#shift;
      while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
      this.#slots[slot] = row + 1;
    }
  }
}

/** A series id (an integer below 2^32) spread over 32 bits. */
function hash(id: number): number {
  return Math.imul(id >>> 0, 0x9e3779b1) >>> 0;
}

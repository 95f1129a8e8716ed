import type { SeriesDelta, Store } from '@trainscope/core';
import { type EncodeCounters, type EncodedDelta, MAX_MESSAGE_POINTS, splitDelta } from './encoded-delta.js';

/** Points per catch-up page; pages sit on a fixed grid so that connections near each other share them. */
export const PAGE_POINTS = 4 * MAX_MESSAGE_POINTS;

/** Options of `CatchUpReader`. */
export interface CatchUpReaderOptions {
  /** Store reads running at once, for all connections together. @default 2 */
  concurrency?: number;
  /** Pages kept after they were read, for connections that come by later. @default 16 */
  keep?: number;
}

/**
 * Reads what connections missed from the store, a page at a time: pages are aligned to a grid of
 * `PAGE_POINTS` point numbers, one read per page however many connections want it (a thousand
 * subscribers that fell behind together cost one read and one encoding per piece), a bounded
 * number of reads at once, and a bounded number of pages kept.
 */
export class CatchUpReader {
  readonly #store: Store;
  readonly #counters: EncodeCounters;
  readonly #concurrency: number;
  readonly #keep: number;
  readonly #pages = new Map<string, Promise<EncodedDelta[]>>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  /** Store reads made. */
  reads = 0;

  constructor(store: Store, counters: EncodeCounters, options: CatchUpReaderOptions = {}) {
    this.#store = store;
    this.#counters = counters;
    this.#concurrency = options.concurrency ?? 2;
    this.#keep = options.keep ?? 16;
  }

  /** The runs of the page holding point number `n` of a series (empty past the last point). */
  page(seriesId: number, runId: string, n: number): Promise<EncodedDelta[]> {
    const start = Math.floor(n / PAGE_POINTS) * PAGE_POINTS;
    const key = `${seriesId}:${start}`;
    const cached = this.#pages.get(key);
    if (cached) {
      // Most recently used last.
      this.#pages.delete(key);
      this.#pages.set(key, cached);
      return cached;
    }
    const read = this.#read(seriesId, runId, start);
    this.#pages.set(key, read);
    read.then(
      (runs) => {
        // A page short of full reached the last committed point: later readers need more.
        const points = runs.reduce((sum, r) => sum + (r.end - r.from), 0);
        if (points < PAGE_POINTS && this.#pages.get(key) === read) this.#pages.delete(key);
      },
      () => this.#pages.delete(key),
    );
    while (this.#pages.size > this.#keep) {
      const [oldest] = this.#pages.keys();
      this.#pages.delete(oldest as string);
    }
    return read;
  }

  async #read(seriesId: number, runId: string, start: number): Promise<EncodedDelta[]> {
    // A slot is handed from a finished read straight to the next waiting one.
    if (this.#running >= this.#concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      this.reads++;
      const rows = await this.#store.readPoints({
        series: [seriesId],
        by: 'n',
        start,
        end: start + PAGE_POINTS - 1,
        limit: PAGE_POINTS,
      });
      if (rows.length === 0) return [];
      const first = rows.n[0] as number;
      // Point numbers are dense; a page that is not (never expected) is cut where it breaks.
      let length = 1;
      while (length < rows.length && rows.n[length] === first + length) length++;
      const delta: SeriesDelta = {
        seriesId,
        runId,
        from: first,
        x: rows.x.subarray(0, length),
        xGiven: rows.xGiven.subarray(0, length),
        time: rows.time.subarray(0, length),
        value: rows.value.subarray(0, length),
      };
      return splitDelta(delta, this.#counters);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

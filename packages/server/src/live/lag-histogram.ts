const RATIO = Math.log(1.05);
const BUCKETS = 400;

/**
 * Counts of delays on a logarithmic scale (5% wide buckets from 0 to hours), so that percentiles
 * of millions of sends cost a few kilobytes and an increment each.
 */
export class LagHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;

  /** Records one delay, in ms. */
  record(ms: number): void {
    const i = Math.min(BUCKETS - 1, Math.max(0, Math.ceil(Math.log1p(Math.max(0, ms)) / RATIO)));
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#total++;
  }

  /** Delays recorded. */
  get count(): number {
    return this.#total;
  }

  /** The delay `p` percent of the records are at or under (upper edge of its bucket); NaN with none. */
  percentile(p: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = (p / 100) * this.#total;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return Math.expm1(i * RATIO);
    }
    return Math.expm1((BUCKETS - 1) * RATIO);
  }
}

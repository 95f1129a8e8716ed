import type { PluginContext } from '@trainscope/core';

/**
 * Counts readings a plugin had to reject, by reason. The first rejection of each reason goes to
 * the run's log at once (with the offending detail); `summary()` gives the totals for the log
 * when the plugin stops.
 */
export class Rejections {
  readonly #counts = new Map<string, number>();
  readonly #source: string;
  #context: PluginContext | undefined;

  constructor(source: string) {
    this.#source = source;
  }

  /** Where first-of-a-kind rejections are reported. */
  attach(context: PluginContext): void {
    this.#context = context;
  }

  /** Counts one rejection; reports it to the run's log when it is the first of its reason. */
  count(reason: string, detail: string): void {
    const n = (this.#counts.get(reason) ?? 0) + 1;
    this.#counts.set(reason, n);
    if (n === 1) {
      this.#context?.log({
        text: `${this.#source}: rejected a reading (${reason}): ${detail}. Further ones are counted and summarised when sampling stops.`,
        level: 'warn',
        metadata: { source: this.#source, reason },
      });
    }
  }

  /** Rejections so far, by reason. */
  get counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }

  /** Total rejections so far. */
  get total(): number {
    let total = 0;
    for (const n of this.#counts.values()) total += n;
    return total;
  }

  /** One line with every reason and its count, or undefined when nothing was rejected. */
  summary(): string | undefined {
    if (this.#counts.size === 0) return undefined;
    const parts = [...this.#counts].map(([reason, n]) => `${reason}=${n}`);
    return `${this.#source}: rejected ${this.total} readings (${parts.join(', ')})`;
  }
}

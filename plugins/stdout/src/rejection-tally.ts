import type { ParserSink, RejectReason } from './sink.js';

/** Distinct (reason, name) pairs reported before reports stop (counting goes on). */
const MAX_REPORTED = 1000;

/**
 * Counts rejections by reason and passes the first one per (reason, name) on to the sink, so a
 * script that prints a bad value every step fills the run log with one line, not thousands.
 */
export class RejectionTally {
  readonly counts: Record<string, number> = {};
  #reported = new Set<string>();
  #sink: ParserSink;

  constructor(sink: ParserSink) {
    this.#sink = sink;
  }

  /** Counts one rejection; `message` is built only when it will be reported. */
  add(reason: RejectReason, name: string, message: () => string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    const key = `${reason}\u0000${name}`;
    if (this.#reported.has(key) || this.#reported.size > MAX_REPORTED) return;
    this.#reported.add(key);
    if (this.#reported.size > MAX_REPORTED) {
      this.#sink.reject(
        reason,
        name,
        `More than ${MAX_REPORTED} kinds of rejected output; further rejections are counted in stats() but not logged.`,
      );
      return;
    }
    this.#sink.reject(reason, name, message());
  }
}

import type { LogInput } from '@trainscope/core';
import type { RejectReason } from './reasons.js';

/** How many rejections of each reason are written to the run log one by one before going quiet. */
const DEFAULT_REPORT_LIMIT = 20;

/**
 * Counts rejections by reason and reports each one (file and line number) to the run log, up to
 * `reportLimit` per reason; `summary()` gives the totals, so nothing is lost when it goes quiet.
 */
export class RejectionTally {
  readonly #counts = new Map<RejectReason, number>();
  readonly #log: (line: LogInput) => void;
  readonly #reportLimit: number;

  /** @param reportLimit rejections reported one by one per reason; @default 20 */
  constructor(log: (line: LogInput) => void, reportLimit = DEFAULT_REPORT_LIMIT) {
    this.#log = log;
    this.#reportLimit = reportLimit;
  }

  /** Counts one rejection and reports it while under the limit. */
  reject(reason: RejectReason, file: string, line: number, detail: string): void {
    const n = (this.#counts.get(reason) ?? 0) + 1;
    this.#counts.set(reason, n);
    if (n > this.#reportLimit) return;
    const quiet = n === this.#reportLimit ? ` (further "${reason}" rejections are counted, not listed)` : '';
    this.#log({
      text: `jsonl: ${file}:${line}: ${reason}: ${detail}${quiet}`,
      level: 'warn',
      stream: 'system',
      metadata: { file, line, reason },
    });
  }

  /** Rejections counted so far, by reason. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Total rejections counted so far. */
  get total(): number {
    let total = 0;
    for (const n of this.#counts.values()) total += n;
    return total;
  }

  /** Writes one log line with the totals by reason, when there were any. */
  summarize(file: string): void {
    if (this.#counts.size === 0) return;
    const parts = [...this.#counts].map(([reason, n]) => `${reason} ${n}`).join(', ');
    this.#log({
      text: `jsonl: ${file}: rejected ${parts}`,
      level: 'warn',
      stream: 'system',
      metadata: { file, rejected: this.counts() },
    });
  }
}

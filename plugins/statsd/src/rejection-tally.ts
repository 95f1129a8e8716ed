import type { LogInput } from '@trainscope/core';
import type { RejectReason } from './reasons.js';

const EXAMPLES_PER_REASON = 3;

/**
 * Counts refusals by reason, in total and since the last report, keeping a few distinct examples
 * of each so the run log shows what was refused without one line per bad packet.
 */
export class RejectionTally {
  readonly #totals = new Map<RejectReason, number>();
  #pending = new Map<RejectReason, { count: number; examples: Set<string> }>();

  /** Counts one refusal; `text` is the refused line (or name, or size) for the report. */
  count(reason: RejectReason, text: string): void {
    this.#totals.set(reason, (this.#totals.get(reason) ?? 0) + 1);
    let pending = this.#pending.get(reason);
    if (pending === undefined) {
      pending = { count: 0, examples: new Set() };
      this.#pending.set(reason, pending);
    }
    pending.count++;
    if (pending.examples.size < EXAMPLES_PER_REASON) pending.examples.add(text);
  }

  /** Refusals since the listener started, by reason. */
  totals(): Partial<Record<RejectReason, number>> {
    return Object.fromEntries(this.#totals) as Partial<Record<RejectReason, number>>;
  }

  /** A log line summing up the refusals since the last report, or undefined when there were none. */
  takeReport(time: number): LogInput | undefined {
    if (this.#pending.size === 0) return undefined;
    const parts: string[] = [];
    const counts: Record<string, number> = {};
    let total = 0;
    for (const [reason, { count, examples }] of this.#pending) {
      total += count;
      counts[reason] = count;
      const shown = [...examples].map((e) => `"${e}"`).join(', ');
      parts.push(`${reason} ${count} (e.g. ${shown})`);
    }
    this.#pending = new Map();
    return {
      text: `statsd: refused ${total} since the last report: ${parts.join('; ')}`,
      stream: 'system',
      level: 'warn',
      time,
      metadata: { source: 'statsd', refused: counts },
    };
  }
}

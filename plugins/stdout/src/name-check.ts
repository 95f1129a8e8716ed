import { validateSeriesName } from '@trainscope/core';
import { flatCopy } from './flat-copy.js';

/** Names remembered before the cache starts over (keeps memory bounded on hostile output). */
const MAX_CACHED = 10_000;

/**
 * Validates series names with core's rule, remembering the verdict so that a name printed every
 * step is checked once. Returns the error message for a bad name, `undefined` for a good one.
 */
export class NameCheck {
  /** `null` for a good name, so that one lookup answers. */
  #verdicts = new Map<string, string | null>();

  check(name: string): string | undefined {
    const cached = this.#verdicts.get(name);
    if (cached !== undefined) return cached ?? undefined;
    let verdict: string | null = null;
    try {
      validateSeriesName(name);
    } catch (error) {
      verdict = error instanceof Error ? error.message : String(error);
    }
    if (this.#verdicts.size >= MAX_CACHED) this.#verdicts.clear();
    this.#verdicts.set(flatCopy(name), verdict);
    return verdict ?? undefined;
  }
}

/** Counts refused requests by error code, so an operator sees what clients get wrong. */
export class RejectionTally {
  readonly #counts = new Map<string, number>();

  /** Counts one refusal. */
  add(code: string): void {
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1);
  }

  /** Refusals so far, by code. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

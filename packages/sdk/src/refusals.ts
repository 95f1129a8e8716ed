/**
 * Counts calls the SDK refused, by error code (`invalid_value`, `invalid_name`, ...), so a run
 * that threw and caught errors in a loop can still say how many and why.
 */
export class Refusals {
  readonly #counts = new Map<string, number>();

  /** Counts an error and returns it, for `throw refusals.count(error)`. */
  count<E>(error: E): E {
    const code = (error as { code?: unknown }).code;
    const key = typeof code === 'string' ? code : 'error';
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    return error;
  }

  /** Refused calls by code. */
  get(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Total refused calls. */
  get total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }
}

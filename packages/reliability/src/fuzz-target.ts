import type fc from 'fast-check';

/**
 * One parser or endpoint under fuzzing: how to generate its input and how to feed one input to
 * it. `check` throws when a property breaks (a crash of the parser itself counts as one), and
 * returns the rejections it saw by reason, so a caller can tell that every refusal was counted.
 */
export interface FuzzTarget<T> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  check(input: T): Record<string, number> | Promise<Record<string, number>>;
  /**
   * Names the known fault an input would hit, if any. Such inputs are left out of property runs
   * (an `it.fails` test pins each fault until its owner fixes it) and counted apart in the soak.
   */
  known?(input: T): string | undefined;
  /**
   * Finishes checks a target keeps for later (a batched read-back); throws `PropertyBroken` as
   * `check` does. The soak calls it after the last input.
   */
  settle?(): Promise<void>;
}

/** Thrown by a `check` when a property breaks; carries what was expected and seen. */
export class PropertyBroken extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'PropertyBroken';
  }
}

/** Throws `PropertyBroken` with `message` unless `condition` holds. */
export function expectThat(condition: boolean, message: string, detail?: unknown): asserts condition {
  if (!condition) throw new PropertyBroken(message, detail);
}

/** True when `wanted` appears, in order, within `seen` (each compared with `same`). */
export function isSubsequence<W, S>(wanted: readonly W[], seen: readonly S[], same: (a: W, b: S) => boolean): boolean {
  let j = 0;
  for (const w of wanted) {
    while (j < seen.length && !same(w, seen[j] as S)) j++;
    if (j === seen.length) return false;
    j++;
  }
  return true;
}

/** Checks that every reason reported through a sink is a known one and was counted. */
export function expectCounted(
  reported: readonly string[],
  counts: Record<string, number>,
  known: readonly string[],
): void {
  for (const reason of reported) {
    expectThat(known.includes(reason), `unknown rejection reason "${reason}"`);
    expectThat((counts[reason] ?? 0) > 0, `rejection "${reason}" was reported but not counted`, counts);
  }
}

/** Same number, NaN equal to NaN, -0 equal to 0. */
export function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

import fc from 'fast-check';
import type { FuzzTarget } from './fuzz-target.js';

/** Seed of the deterministic test-suite runs (the soak benchmark draws fresh ones). */
export const FUZZ_SEED = 20_261_123;

/** Checks a target's properties over `numRuns` inputs from a fixed seed; throws with the shrunk counter-example. */
export async function assertTarget<T>(target: FuzzTarget<T>, numRuns: number, seed = FUZZ_SEED): Promise<void> {
  await fc.assert(
    fc.asyncProperty(target.arbitrary, async (input) => {
      fc.pre(target.known?.(input) === undefined);
      await target.check(input);
    }),
    { numRuns, seed, maxSkipsPerRun: 1000 },
  );
}

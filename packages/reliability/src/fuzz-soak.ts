import fc from 'fast-check';
import type { FuzzTarget } from './fuzz-target.js';
import { PropertyBroken } from './fuzz-target.js';

/** What a soak run of one target saw. */
export interface SoakFigures {
  target: string;
  inputs: number;
  /** Inputs per second, checking only (generation excluded). */
  inputsPerSecond: number;
  /** Inputs whose check threw something other than a broken property (the parser itself failed). */
  crashes: number;
  /** Inputs that broke a property (wrong result, uncounted refusal, bad status). */
  broken: number;
  /** Inputs that took longer than `hangMs` to check. */
  hangs: number;
  /** Inputs left out because they hit a known, pinned fault. */
  known: number;
  /** Rejections seen, by reason. */
  rejected: Record<string, number>;
  /** Peak resident set size of this process, MiB. */
  peakRssMiB: number;
  /** First few failures, for the report. */
  samples: string[];
}

/**
 * Feeds `count` fresh inputs (from `seed`, in blocks) to a target and counts what happened.
 * Unlike the property runs in the tests it never stops at the first failure.
 */
export async function soak<T>(target: FuzzTarget<T>, count: number, seed: number, hangMs = 2000): Promise<SoakFigures> {
  const figures: SoakFigures = {
    target: target.name,
    inputs: 0,
    inputsPerSecond: 0,
    crashes: 0,
    broken: 0,
    hangs: 0,
    known: 0,
    rejected: {},
    peakRssMiB: 0,
    samples: [],
  };
  let checking = 0;
  const block = Math.min(1000, count);
  for (let done = 0, round = 0; done < count; done += block, round++) {
    const inputs = fc.sample(target.arbitrary, { numRuns: Math.min(block, count - done), seed: seed + round });
    for (const input of inputs) {
      if (target.known?.(input) !== undefined) {
        figures.known++;
        continue;
      }
      const start = performance.now();
      try {
        const rejected = await target.check(input);
        for (const [reason, n] of Object.entries(rejected))
          figures.rejected[reason] = (figures.rejected[reason] ?? 0) + n;
      } catch (error) {
        if (error instanceof PropertyBroken) figures.broken++;
        else figures.crashes++;
        if (figures.samples.length < 5) {
          figures.samples.push(`${String(error).slice(0, 300)} <- ${JSON.stringify(input).slice(0, 300)}`);
        }
      }
      const took = performance.now() - start;
      checking += took;
      if (took > hangMs) figures.hangs++;
      figures.inputs++;
    }
  }
  if (target.settle) {
    const start = performance.now();
    try {
      await target.settle();
    } catch (error) {
      if (error instanceof PropertyBroken) figures.broken++;
      else figures.crashes++;
      if (figures.samples.length < 5) figures.samples.push(`${String(error).slice(0, 300)} <- (batched read-back)`);
    }
    checking += performance.now() - start;
  }
  figures.inputsPerSecond = figures.inputs / (checking / 1000);
  figures.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  return figures;
}

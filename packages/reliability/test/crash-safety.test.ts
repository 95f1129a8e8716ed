import { afterAll, describe, expect, it } from 'vitest';
import { crashCycle } from '../src/crash-cycle.js';
import { makeTempDir } from '../src/temp-dir.js';

const dir = makeTempDir('crash');
afterAll(() => dir.remove());

describe('kill -9 of the store owner while it ingests (short version of benchmarks/suites/crash.bench.ts)', () => {
  // Points acknowledged within the flush window may be lost by design, and how far the window
  // stretches under load is a figure (the benchmark reports it), not a test. What must hold on
  // any machine: every committed point survives, nothing unacknowledged or doubled appears, and
  // the store is consistent.
  it('after each restart the store opens consistent, with every committed point and nothing more than acknowledged', async () => {
    let previous = 0;
    const kills = [{ killAfterMs: 300 }, { killAfterMs: 0, afterCommit: true }];
    for (const kill of kills) {
      const cycle = await crashCycle(dir.path, kill);
      expect(cycle.problems).toEqual([]);
      expect(cycle.startedAt).toBe(previous);
      expect(cycle.stored).toBeGreaterThanOrEqual(cycle.durable);
      expect(cycle.stored).toBeLessThanOrEqual(cycle.lastAck);
      previous = cycle.stored;
    }
    expect(previous).toBeGreaterThan(0);
  }, 120_000);
});

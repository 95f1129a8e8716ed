/**
 * Crash safety: a child process owns a store and ingests through the public API (Ingestor) as
 * fast as it can, 4 series in lockstep, point n = (x n, value n); the parent kill -9s it at a
 * random moment (a third of the kills right after a commit), reopens the store (timed: WAL replay
 * included), checks its integrity (no (series, n) twice, contiguous n, series stats and every M4
 * level matching the points, values where they belong) and compares what it holds with what the
 * child acknowledged. 100 cycles (quick: 12) on one store that keeps growing.
 */
import { crashCycle } from '@trainscope/reliability';
import { type Benchmark, fmt, median, percentile } from '../lib/harness.ts';

export default {
  name: 'crash',
  async run({ full, tmpDir }) {
    const cycles = full ? 100 : 12;
    const windowMs = 1000;
    let seed = 0x2f6b_1d3;
    const random = () => {
      // xorshift: the kill moments are reproducible from the printed seed.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const recovery: number[] = [];
    const rates: number[] = [];
    const windowLag: number[] = [];
    let lost = 0;
    let lostCommitted = 0;
    let problems = 0;
    let cyclesRun = 0;
    let stored = 0;
    let wholeChecks = 0;
    const notes: string[] = [];
    for (let i = 0; i < cycles; i++) {
      const afterCommit = i % 3 === 1;
      const killAfterMs = afterCommit ? Math.floor(random() * 200) : 200 + Math.floor(random() * 2800);
      // The whole check reads every point of a store that grows by ~2M points a cycle, so 100
      // cycles of it take hours: every 10th cycle and the last check everything; the others look
      // for doubled and misplaced points among those written since the last cycle, and check the
      // rest as a whole (counts, first/last n, sum of n, stats, every M4 level).
      const whole = i % 10 === 9 || i === cycles - 1;
      const c = await crashCycle(tmpDir, { killAfterMs, afterCommit, windowMs, checkFromN: whole ? 0 : stored });
      if (whole) wholeChecks++;
      cyclesRun++;
      recovery.push(c.recoveryMs);
      if (c.pointsPerSecond > 0) rates.push(c.pointsPerSecond);
      if (c.oldestLostAckMs !== null) windowLag.push(c.oldestLostAckMs);
      lost += c.lostBeyondWindow;
      lostCommitted += Math.max(0, c.durable - c.stored) * 4;
      problems += c.problems.length;
      for (const p of c.problems.slice(0, 3)) notes.push(`cycle ${i}: ${p}`);
      stored = c.stored;
    }
    notes.push(
      `points lost beyond the ${windowMs} ms window: ${fmt(lost)} (target 0: ${lost === 0 ? 'met' : 'missed'}); committed points lost: ${fmt(lostCommitted)} (must be 0)`,
      'a lost ack is one whose points were not found after the restart; its age at the kill shows how far the at-risk window really stretched',
      `integrity: ${wholeChecks} cycles read every point for doubles and misplaced values, the others those written since the cycle before (and the rest as per-series counts, n range and sums, stats and levels)`,
    );
    return {
      rows: [
        {
          case: `kill -9 while ingesting, ${cycles} cycles`,
          cycles: cyclesRun,
          'points/s acked (median)': median(rates),
          'points stored at end': stored * 4,
          'lost beyond window': lost,
          'committed lost': lostCommitted,
          'integrity problems': problems,
          'recovery ms median': median(recovery),
          'recovery ms p95': percentile(recovery, 95),
          'oldest lost ack ms (max)': windowLag.length ? Math.max(...windowLag) : 0,
          'oldest lost ack ms (median)': median(windowLag),
        },
      ],
      notes,
    };
  },
} satisfies Benchmark;

/**
 * Chart read: a 2000-pixel M4 read of one series at history sizes 1M, 10M, 100M points (1B with
 * --full), trainscope's pre-aggregated levels against a plain DuckDB M4 query over the raw table.
 * Reads run in child processes so that their peak RSS is measured apart from the ingest.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store } from '@trainscope/core';
import { type Benchmark, median, percentile } from '../lib/harness.ts';

const reader = fileURLToPath(new URL('../lib/chart-reader.ts', import.meta.url));

function measure(dir: string, seriesId: number, mode: 'ours' | 'plain', repeats: number) {
  const out = execFileSync(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', reader, dir, String(seriesId), mode, String(repeats)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').pop() as string) as { times: number[]; buckets: number; maxRssMB: number };
}

async function grow(
  dir: string,
  runId: string | null,
  from: number,
  to: number,
): Promise<{ runId: string; seriesId: number }> {
  const store = await Store.open({ dir });
  try {
    const run = runId ? await store.openRun(runId) : await store.createRun({ project: 'bench', name: 'chart' });
    await store.openRun(run.id);
    const seriesId = store.defineSeries(run.id, { name: 'train/loss' }).id;
    const B = 1_000_000;
    const x = new Float64Array(B);
    const time = new Float64Array(B);
    const value = new Float64Array(B);
    const series = new Uint32Array(B).fill(seriesId);
    for (let off = from; off < to; off += B) {
      const n = Math.min(B, to - off);
      for (let j = 0; j < n; j++) {
        const i = off + j;
        x[j] = i;
        time[j] = 1.7e12 + i * 10;
        // a noisy decaying loss with rare spikes, the shape charts must keep
        value[j] = 2 * Math.exp(-i / 3e7) + 0.05 * Math.sin(i * 0.37) + (i % 9_999_991 === 0 ? 10 : 0);
      }
      await store.ingestor.ingestAsync({
        length: n,
        series: series.subarray(0, n),
        x: x.subarray(0, n),
        time: time.subarray(0, n),
        value: value.subarray(0, n),
      });
    }
    await store.flush();
    return { runId: run.id, seriesId };
  } finally {
    await store.close();
  }
}

export default {
  name: 'chart',
  async run({ full, tmpDir }) {
    const sizes = full ? [1e6, 1e7, 1e8, 1e9] : [1e6, 1e7, 1e8];
    const rows = [];
    const notes: string[] = [];
    let runId: string | null = null;
    let seriesId = 0;
    let have = 0;
    let oursAt1M = 0;
    for (const size of sizes) {
      const buildStart = performance.now();
      ({ runId, seriesId } = await grow(tmpDir, runId, have, size));
      const buildS = (performance.now() - buildStart) / 1000;
      have = size;
      const ours = measure(tmpDir, seriesId, 'ours', 30);
      const plain = measure(tmpDir, seriesId, 'plain', size >= 1e9 ? 3 : 5);
      const o = median(ours.times);
      const p = median(plain.times);
      if (size === 1e6) oursAt1M = o;
      rows.push({
        case: `${(size / 1e6).toLocaleString()}M points`,
        'ours ms (median)': o,
        'ours p90': percentile(ours.times, 90),
        'plain M4 SQL ms': p,
        speedup: p / o,
        'vs ours@1M': o / oursAt1M,
        'ours RSS MB': ours.maxRssMB,
        'plain RSS MB': plain.maxRssMB,
        buckets: ours.buckets,
        'grow s': buildS,
      });
    }
    const last = rows[rows.length - 1];
    notes.push(
      '2000-pixel full-range read of one series; medians of 30 (ours) and 5 (plain) reads in separate processes',
    );
    const at100 = rows.find((r) => r.case === '100M points');
    if (at100) {
      notes.push(
        `at 100M: ${at100['ours ms (median)'].toFixed(2)} ms (target < 20), ${at100.speedup.toFixed(0)}x the plain query (target >= 10x), ` +
          `${at100['vs ours@1M'].toFixed(2)}x the 1M read (target <= 2x), reader peak RSS ${at100['ours RSS MB'].toFixed(0)} MB (target < 500)`,
      );
    }
    if (last) notes.push(`store grown by the public Ingestor to ${last.case}`);
    return { rows, notes };
  },
} satisfies Benchmark;

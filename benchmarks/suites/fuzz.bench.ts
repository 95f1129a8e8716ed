/**
 * Fuzz soak: fresh generated inputs (fast-check, a new seed each run) fed to every parser and
 * endpoint, each target in a child process of its own so its peak RSS is its own. Counts crashes
 * (the parser threw), broken properties (wrong result, uncounted refusal, 5xx), hangs (> 2 s for
 * one input; 30 s for a CLI run) and inputs left out for a known, pinned fault.
 * --full: 1M inputs per parser and endpoint (the CLI, one process per input, 500).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SoakFigures } from '@trainscope/reliability';
import { type Benchmark, type BenchRow, fmt } from '../lib/harness.ts';

const main = fileURLToPath(new URL('../../packages/reliability/src/fuzz-soak-main.ts', import.meta.url));

/** Soaks one target in a child; a child that dies (a parser or the server in it crashed) is a crash. */
function soakInChild(target: string, count: number, seed: number): SoakFigures | { died: string } {
  try {
    const out = execFileSync(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', main, target, String(count), String(seed)],
      { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return JSON.parse(out.trim().split('\n').pop() as string) as SoakFigures;
  } catch (error) {
    const e = error as { signal?: string | null; status?: number | null; stderr?: string };
    const why = /FATAL ERROR: [^\n]*/.exec(e.stderr ?? '')?.[0] ?? (e.stderr ?? '').trim().split('\n').pop();
    return { died: `${e.signal ?? `exit ${e.status}`}: ${why}` };
  }
}

export default {
  name: 'fuzz',
  async run({ full }) {
    const plan: [string, number][] = full
      ? [
          ['stdout', 1_000_000],
          ['statsd', 1_000_000],
          ['jsonl', 1_000_000],
          ['http', 1_000_000],
          ['websocket', 1_000_000],
          ['cli', 500],
        ]
      : [
          ['stdout', 5_000],
          ['statsd', 20_000],
          ['jsonl', 5_000],
          ['http', 300],
          ['websocket', 2_000],
          ['cli', 8],
        ];
    // BENCH_FUZZ_TARGETS=stdout,jsonl soaks just those targets (a full soak of all of them takes hours).
    const only = process.env['BENCH_FUZZ_TARGETS']?.split(',');
    if (only) plan.splice(0, plan.length, ...plan.filter(([target]) => only.includes(target)));
    const seed = Date.now() % 1_000_000_000;
    const rows: BenchRow[] = [];
    const notes: string[] = [`seed ${seed} (each target draws seed, seed+1, ... per block of 1000 inputs)`];
    for (const [target, count] of plan) {
      const f = soakInChild(target, count, seed);
      if ('died' in f) {
        rows.push({ case: target, inputs: count, crashes: 1, 'process died': f.died });
        notes.push(`${target}: the process soaking it died (${f.died}); rerun with the seed to find the input`);
        continue;
      }
      const refused = Object.values(f.rejected).reduce((a, b) => a + b, 0);
      rows.push({
        case: target,
        inputs: f.inputs,
        'inputs/s': f.inputsPerSecond,
        crashes: f.crashes,
        broken: f.broken,
        hangs: f.hangs,
        'known fault': f.known,
        'refusals counted': refused,
        reasons: Object.keys(f.rejected).length,
        'peak RSS MiB': f.peakRssMiB,
      });
      for (const s of f.samples) notes.push(`${target}: ${s}`);
    }
    const bad = rows.reduce(
      (n, r) => n + Number(r['crashes'] ?? 0) + Number(r['hangs'] ?? 0) + Number(r['broken'] ?? 0),
      0,
    );
    notes.push(`target 0 crashes, 0 hangs, 0 broken properties: ${bad === 0 ? 'met' : `missed (${fmt(bad)})`}`);
    return { rows, notes };
  },
} satisfies Benchmark;

/**
 * stdout parsing: MB/s of `createStdoutParser` over a mixed corpus (Keras 3 and Keras 2 progress
 * output with `\b`/`\r` redraws and ANSI escapes, FloydHub JSON metric lines, plain log lines),
 * fed in 64 KiB chunks as a pipe delivers them, into a sink that does what the plugin does
 * (series id lookup, columnar BatchBuilder, one batch per chunk, every line handed out).
 * Baselines measured in the same run on the same bytes:
 *   (a) naive: decode, split('\n'), JSON.parse every line in try/catch;
 *   (b) guarded: the same, but JSON.parse only lines that start with '{' (a fairer baseline).
 * Target (issue 3): >= 150 MB/s on one core, and >= 2.5x baseline.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchBuilder } from '@trainscope/core';
import { createStdoutParser, type ParserSink, type StdoutParserOptions } from '@trainscope/plugin-stdout';
import { type Benchmark, type BenchRow, fmt, median } from '../lib/harness.ts';

const CHUNK = 64 * 1024;
const fixtures = join(fileURLToPath(import.meta.url), '..', '..', '..', 'plugins', 'stdout', 'test', 'fixtures');

/** ~`bytes` of output: Keras epochs, JSON metric lines and log lines interleaved, half JSON. */
function corpus(bytes: number): Buffer {
  const keras3 = readFileSync(join(fixtures, 'keras', 'keras3-verbose1.txt'));
  const keras2 = readFileSync(join(fixtures, 'keras', 'keras2-verbose1.txt'));
  const parts: Buffer[] = [];
  let size = 0;
  let step = 0;
  while (size < bytes) {
    for (const keras of [keras3, keras2]) {
      parts.push(keras);
      size += keras.length;
      const lines: string[] = [];
      let jsonBytes = 0;
      while (jsonBytes < keras.length) {
        step++;
        const line =
          step % 10 === 0
            ? `INFO:root:step ${step} done in ${(step % 97) / 10} s`
            : step % 3 === 0
              ? `{"metric": "lr", "value": ${(1e-4 / (1 + step / 1000)).toExponential(4)}, "step": ${step}}`
              : `{"metric": "loss", "value": ${(1 / (1 + step / 500)).toFixed(6)}}`;
        lines.push(line);
        jsonBytes += line.length + 1;
      }
      const json = Buffer.from(`${lines.join('\n')}\n`);
      parts.push(json);
      size += json.length;
    }
  }
  return Buffer.concat(parts);
}

function jsonOnly(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let step = 0; size < bytes; step++) {
    const line = `{"metric": "loss", "value": ${(1 / (1 + step / 500)).toFixed(6)}, "step": ${step}}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** What the plugin's sink does, minus the store. */
function benchSink(): ParserSink & { flush(): void; points: number; lines: number } {
  const ids = new Map<string, number>();
  const batch = new BatchBuilder(4096);
  const sink = {
    points: 0,
    lines: 0,
    point(name: string, value: number, x: number, time: number) {
      let id = ids.get(name);
      if (id === undefined) {
        id = ids.size;
        ids.set(name, id);
      }
      batch.push(id, value, time, x);
    },
    line() {
      sink.lines++;
    },
    reject() {},
    flush() {
      sink.points += batch.length;
      if (batch.length > 0) batch.take();
    },
  };
  return sink;
}

function chunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) out.push(data.subarray(i, i + CHUNK));
  return out;
}

function parse(pieces: Buffer[], options: StdoutParserOptions): { points: number; lines: number } {
  const sink = benchSink();
  const parser = createStdoutParser(sink, options);
  for (const piece of pieces) {
    parser.push(piece, 'stdout', Date.now());
    sink.flush();
  }
  parser.end('stdout', Date.now());
  sink.flush();
  return { points: sink.points, lines: sink.lines };
}

function naive(data: Buffer, guarded: boolean): number {
  let metrics = 0;
  for (const line of data.toString('utf8').split('\n')) {
    if (guarded && line.charCodeAt(0) !== 123) continue;
    try {
      const o = JSON.parse(line) as { metric?: unknown; value?: unknown };
      if (typeof o.metric === 'string' && typeof o.value === 'number') metrics++;
    } catch {
      // not JSON
    }
  }
  return metrics;
}

/**
 * Times every case once per round, round after round, so that all see the same machine load.
 * Gives wall time and this process's CPU time (user + system, all its threads) per run: on a
 * shared machine the wall time also counts the time the process waited for a core, which the
 * CPU time does not, so the CPU time is the closer measure of throughput on one core.
 */
function interleaved(cases: (() => unknown)[], rounds: number): { wall: number[]; cpu: number[] }[] {
  for (const fn of cases) fn();
  const times = cases.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    cases.forEach((fn, k) => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      fn();
      const wall = performance.now() - start;
      const used = process.cpuUsage(cpu);
      times[k]?.wall.push(wall);
      times[k]?.cpu.push((used.user + used.system) / 1000);
    });
  }
  return times;
}

export default {
  name: 'stdout-parse',
  async run({ full }) {
    const mb = full ? 128 : 16;
    const rounds = full ? 9 : 7;
    const mixed = corpus(mb * 1024 * 1024);
    const json = jsonOnly(mb * 1024 * 1024);
    const mixedChunks = chunks(mixed);
    const jsonChunks = chunks(json);
    const rate = (bytes: number, times: number[] | undefined) => bytes / 1e6 / (median(times ?? []) / 1000);
    const load = loadavg()[0] ?? 0;

    const times = interleaved(
      [
        () => naive(mixed, false),
        () => naive(mixed, true),
        () => parse(mixedChunks, {}),
        () => parse(mixedChunks, { batchIntervalMs: 0 }),
        () => naive(json, true),
        () => parse(jsonChunks, {}),
      ],
      rounds,
    );
    const sizes = [mixed.length, mixed.length, mixed.length, mixed.length, json.length, json.length];
    const wall = times.map((t, k) => rate(sizes[k] ?? 0, t.wall));
    const cpu = times.map((t, k) => rate(sizes[k] ?? 0, t.cpu));
    const [mixedNaive = 0, mixedGuarded = 0, defaults = 0, every = 0, jsonBase = 0] = wall;
    const row = (k: number, label: string, mixedRatios: boolean): BenchRow => ({
      case: label,
      'MB/s': wall[k] ?? null,
      'x naive': mixedRatios ? (wall[k] ?? 0) / mixedNaive : null,
      'x guarded': mixedRatios ? (wall[k] ?? 0) / mixedGuarded : (wall[k] ?? 0) / jsonBase,
      'MB/s CPU time': cpu[k] ?? null,
    });
    const rows: BenchRow[] = [
      row(0, `mixed ${fmt(mixed.length / 1e6)} MB: naive split+JSON.parse every line`, true),
      row(1, "mixed: split+JSON.parse lines starting with '{' (guarded)", true),
      row(2, 'mixed: trainscope parser, defaults (redraws throttled 500 ms)', true),
      row(3, 'mixed: trainscope parser, every redraw read (batchIntervalMs 0)', true),
      row(4, `JSON lines only ${fmt(json.length / 1e6)} MB: guarded split+JSON.parse`, false),
      row(5, 'JSON lines only: trainscope parser', false),
    ];
    const counts = parse(mixedChunks, {});
    const cpuDefaults = cpu[2] ?? 0;
    const notes = [
      `mixed corpus: ${counts.lines} log lines, ${counts.points} points with defaults; ${CHUNK / 1024} KiB chunks; ` +
        `medians of ${rounds} interleaved rounds (the cases take turns, so they share the machine's load); ` +
        `load average ${fmt(load)} at the start, ${fmt(loadavg()[0] ?? 0)} at the end on ${cpus().length} cores`,
      "MB/s is bytes over wall time; MB/s CPU time is bytes over the process's CPU time (user + system, all " +
        'threads), which leaves out time spent waiting for a core on a loaded machine. Ratios are of wall times.',
      `target >= 150 MB/s on one core (defaults, mixed): ${cpuDefaults >= 150 ? 'met' : 'MISSED'} at ` +
        `${fmt(cpuDefaults)} MB/s of CPU time (${fmt(defaults)} MB/s of wall time); ` +
        `target >= 2.5x baseline: ${fmt(defaults / mixedGuarded)}x the guarded baseline (${defaults / mixedGuarded >= 2.5 ? 'met' : 'MISSED'}), ` +
        `${fmt(defaults / mixedNaive)}x the naive one (${defaults / mixedNaive >= 2.5 ? 'met' : 'MISSED'}); ` +
        `every redraw read: ${fmt(every / mixedGuarded)}x guarded, ${fmt(every / mixedNaive)}x naive`,
      `the same ratios of CPU times: defaults ${fmt(cpuDefaults / (cpu[1] ?? 0))}x guarded, ${fmt(cpuDefaults / (cpu[0] ?? 0))}x naive; ` +
        `every redraw read ${fmt((cpu[3] ?? 0) / (cpu[1] ?? 0))}x guarded, ${fmt((cpu[3] ?? 0) / (cpu[0] ?? 0))}x naive`,
    ];
    return { rows, notes };
  },
} satisfies Benchmark;

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

/** Times every case once per round, round after round, so that all see the same machine load. */
function interleaved(cases: (() => unknown)[], rounds: number): number[][] {
  for (const fn of cases) fn();
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((fn, k) => {
      const start = performance.now();
      fn();
      times[k]?.push(performance.now() - start);
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

    const [naiveT, guardedT, defaultsT, everyT, jsonBaseT, jsonParserT] = interleaved(
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
    const mixedNaive = rate(mixed.length, naiveT);
    const mixedGuarded = rate(mixed.length, guardedT);
    const defaults = rate(mixed.length, defaultsT);
    const every = rate(mixed.length, everyT);
    const jsonBase = rate(json.length, jsonBaseT);
    const jsonParser = rate(json.length, jsonParserT);
    const row = (label: string, mbs: number, naiveRatio: boolean): BenchRow => ({
      case: label,
      'MB/s': mbs,
      'x naive': naiveRatio ? mbs / mixedNaive : null,
      'x guarded': naiveRatio ? mbs / mixedGuarded : mbs / jsonBase,
    });
    const rows: BenchRow[] = [
      row(`mixed ${fmt(mixed.length / 1e6)} MB: naive split+JSON.parse every line`, mixedNaive, true),
      row("mixed: split+JSON.parse lines starting with '{' (guarded)", mixedGuarded, true),
      row('mixed: trainscope parser, defaults (redraws throttled 500 ms)', defaults, true),
      row('mixed: trainscope parser, every redraw read (batchIntervalMs 0)', every, true),
      row(`JSON lines only ${fmt(json.length / 1e6)} MB: guarded split+JSON.parse`, jsonBase, false),
      row('JSON lines only: trainscope parser', jsonParser, false),
    ];
    const counts = parse(mixedChunks, {});
    const notes = [
      `mixed corpus: ${counts.lines} log lines, ${counts.points} points with defaults; ${CHUNK / 1024} KiB chunks; ` +
        `medians of ${rounds} interleaved rounds (the cases take turns, so they share the machine's load)`,
      `target >= 150 MB/s (defaults, mixed): ${defaults >= 150 ? 'met' : 'MISSED'} at ${fmt(defaults)} MB/s; ` +
        `target >= 2.5x baseline: ${fmt(defaults / mixedGuarded)}x the guarded baseline (${defaults / mixedGuarded >= 2.5 ? 'met' : 'MISSED'}), ` +
        `${fmt(defaults / mixedNaive)}x the naive one (${defaults / mixedNaive >= 2.5 ? 'met' : 'MISSED'})`,
    ];
    return { rows, notes };
  },
} satisfies Benchmark;

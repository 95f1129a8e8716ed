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
import { type Benchmark, type BenchRow, fmt, median, timeRuns } from '../lib/harness.ts';

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
  let batch = new BatchBuilder(4096);
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
      batch = batch.length === 0 ? batch : new BatchBuilder(4096);
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

export default {
  name: 'stdout-parse',
  async run({ full }) {
    const mb = full ? 256 : 32;
    const repeats = full ? 7 : 5;
    const mixed = corpus(mb * 1024 * 1024);
    const json = jsonOnly(mb * 1024 * 1024);
    const mixedChunks = chunks(mixed);
    const jsonChunks = chunks(json);
    const rate = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
    const rows: BenchRow[] = [];
    const notes: string[] = [];

    const measure = async (fn: () => unknown) => median(await timeRuns(fn, repeats, 1));
    const mixedNaive = rate(mixed.length, await measure(() => naive(mixed, false)));
    const mixedGuarded = rate(mixed.length, await measure(() => naive(mixed, true)));
    const cases: [string, StdoutParserOptions][] = [
      ['trainscope parser (defaults: redraws throttled 500 ms)', {}],
      ['trainscope parser (every redraw read, batchIntervalMs 0)', { batchIntervalMs: 0 }],
    ];
    const counts = parse(mixedChunks, {});
    rows.push({
      case: `mixed ${fmt(mixed.length / 1e6)} MB: naive split+JSON.parse every line`,
      'MB/s': mixedNaive,
      'x naive': 1,
      'x guarded': mixedNaive / mixedGuarded,
    });
    rows.push({
      case: "mixed: split+JSON.parse lines starting with '{'",
      'MB/s': mixedGuarded,
      'x naive': mixedGuarded / mixedNaive,
      'x guarded': 1,
    });
    let slowest = Number.POSITIVE_INFINITY;
    for (const [label, options] of cases) {
      const r = rate(mixed.length, await measure(() => parse(mixedChunks, options)));
      slowest = Math.min(slowest, r);
      rows.push({ case: `mixed: ${label}`, 'MB/s': r, 'x naive': r / mixedNaive, 'x guarded': r / mixedGuarded });
    }
    const jsonGuarded = rate(json.length, await measure(() => naive(json, true)));
    const jsonParser = rate(json.length, await measure(() => parse(jsonChunks, {})));
    rows.push({
      case: `JSON lines only ${fmt(json.length / 1e6)} MB: split+JSON.parse`,
      'MB/s': jsonGuarded,
      'x naive': null,
      'x guarded': 1,
    });
    rows.push({
      case: 'JSON lines only: trainscope parser',
      'MB/s': jsonParser,
      'x naive': null,
      'x guarded': jsonParser / jsonGuarded,
    });

    notes.push(
      `mixed corpus: ${counts.lines} log lines, ${counts.points} points (defaults), chunks of ${CHUNK / 1024} KiB, medians of ${repeats} runs`,
    );
    notes.push(
      `target >= 150 MB/s: ${slowest >= 150 ? 'met' : 'MISSED'} (slowest parser case ${fmt(slowest)} MB/s); ` +
        `target >= 2.5x baseline: ${slowest / mixedGuarded >= 2.5 ? 'met' : 'MISSED'} against the guarded baseline (${fmt(slowest / mixedGuarded)}x), ` +
        `${slowest / mixedNaive >= 2.5 ? 'met' : 'MISSED'} against the naive one (${fmt(slowest / mixedNaive)}x)`,
    );
    return { rows, notes };
  },
} satisfies Benchmark;

import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../src/commands/export.js';
import { importCommand } from '../src/commands/import.js';
import type { Output } from '../src/output.js';
import { formatBytes, Progress, type ProgressFactory } from '../src/progress.js';
import { storeWithSeries, tempDir } from './helpers.js';

/** A stand-in terminal that keeps what is drawn on it. */
function fakeTerminal(isTTY = true) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

/** Percentages drawn, in order. */
const percents = (writes: string[]) => writes.flatMap((w) => [...w.matchAll(/\] +(\d+)% /g)].map((m) => Number(m[1])));

/** A progress factory drawing every update on one fake terminal (no throttling). */
function recordingProgress() {
  const terminal = fakeTerminal();
  const factory: ProgressFactory = (label, options) =>
    new Progress(label, { ...options, stream: terminal, intervalMs: 0 });
  return { terminal, factory };
}

const silent: Output = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  print: () => {},
  logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
};

describe('Progress', () => {
  it('draws the fraction done in place on a terminal, throttled, and ends the line at 100%', () => {
    const terminal = fakeTerminal();
    let now = 1_000;
    const bar = new Progress('exporting r1', { total: 400, stream: terminal, now: () => now });
    now += 100;
    bar.add(100);
    now += 50;
    bar.add(100); // within 100 ms of the last draw: not drawn
    now += 100;
    bar.add(100);
    bar.finish();
    expect(terminal.writes).toEqual([
      `\rexporting r1 [${'-'.repeat(30)}]   0% 0 / 400 points\u001b[K`,
      `\rexporting r1 [${'#'.repeat(8)}${'-'.repeat(22)}]  25% 100 / 400 points\u001b[K`,
      `\rexporting r1 [${'#'.repeat(23)}${'-'.repeat(7)}]  75% 300 / 400 points\u001b[K`,
      `\rexporting r1 [${'#'.repeat(30)}] 100% 400 / 400 points\u001b[K\n`,
    ]);
  });

  it('shows a running count when the total is unknown, in bytes when it counts bytes', () => {
    const terminal = fakeTerminal();
    const bar = new Progress('exporting r1', { total: null, unit: 'bytes', stream: terminal, intervalMs: 0 });
    bar.set(1_536);
    bar.set(12_345_678);
    bar.finish();
    expect(terminal.writes).toEqual([
      '\rexporting r1 0 B\u001b[K',
      '\rexporting r1 1.54 KB\u001b[K',
      '\rexporting r1 12.3 MB\u001b[K',
      '\rexporting r1 12.3 MB\u001b[K\n',
    ]);
  });

  it('writes nothing when the stream is not a terminal, and erases its line when aborted', () => {
    const piped = fakeTerminal(false);
    const quiet = new Progress('importing', { total: 10, stream: piped, intervalMs: 0 });
    quiet.add(5);
    quiet.finish();
    expect(piped.writes).toEqual([]);
    const terminal = fakeTerminal();
    const failed = new Progress('importing', { total: 10, stream: terminal, intervalMs: 0 });
    failed.add(5);
    failed.abort();
    failed.add(5);
    failed.finish();
    expect(terminal.writes.at(-1)).toBe('\r\u001b[K');
    expect(percents(terminal.writes)).toEqual([0, 50]);
  });

  it('formats bytes in 1000-based units', () => {
    expect([999, 1_000, 1_536, 12_345_678, 4_200_000_000].map(formatBytes)).toEqual([
      '999 B',
      '1.00 KB',
      '1.54 KB',
      '12.3 MB',
      '4.20 GB',
    ]);
  });
});

describe('export and import report real progress on a terminal', () => {
  it('export counts the points read against the run total (arrow, jsonl-mldash) and csv the bytes written', async () => {
    const dir = tempDir();
    const runId = await storeWithSeries(dir, { loss: 3_000, acc: 2_000, lr: 1_000 });
    const out = tempDir();
    for (const format of ['arrow', 'jsonl-mldash'] as const) {
      const { terminal, factory } = recordingProgress();
      const code = await exportCommand(runId, { dir, format, out: join(out, `run.${format}`) }, silent, factory);
      expect(code).toBe(0);
      // One page per series: 0%, then 50% (loss), 83% (acc), 100% (lr), then the final line.
      expect(percents(terminal.writes), format).toEqual([0, 50, 83, 100, 100]);
      expect(terminal.writes.at(-1)?.endsWith(`6,000 / 6,000 points\u001b[K\n`), format).toBe(true);
    }
    const { terminal, factory } = recordingProgress();
    const csv = join(out, 'run.csv');
    expect(await exportCommand(runId, { dir, format: 'csv', out: csv }, silent, factory)).toBe(0);
    expect(terminal.writes.at(-1)).toBe(`\rexporting ${runId} ${formatBytes(statSync(csv).size)}\u001b[K\n`);
  });

  it('import counts the bytes read against the size of a JSON-lines file', async () => {
    const file = join(tempDir(), 'big.jsonl');
    let text = '';
    for (let i = 0; i < 60_000; i++) text += `${JSON.stringify({ step: i, loss: 1 / (i + 1), acc: i / 60_000 })}\n`;
    writeFileSync(file, text);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(2 * 1024 * 1024); // read in 1 MiB chunks: at least two steps before the end
    const { terminal, factory } = recordingProgress();
    expect(await importCommand(file, { dir: tempDir() }, silent, factory)).toBe(0);
    const seen = percents(terminal.writes);
    const mib = (1024 * 1024) / size;
    expect(seen.slice(0, 3)).toEqual([0, Math.floor(mib * 100), Math.floor(2 * mib * 100)]);
    expect(seen.at(-1)).toBe(100);
    expect(terminal.writes.at(-1)).toBe(
      `\rimporting [${'#'.repeat(30)}] 100% ${formatBytes(size)} / ${formatBytes(size)}\u001b[K\n`,
    );
  });

  it('import of an ml-dash experiment counts each metric file once its points are handed over', async () => {
    const dir = tempDir();
    const runId = await storeWithSeries(dir, { loss: 3_000, acc: 1_000 });
    const root = tempDir();
    expect(await exportCommand(runId, { dir, format: 'jsonl-mldash', out: root }, silent)).toBe(0);
    const metric = (name: string) => statSync(join(root, 'p', 'r', 'metrics', name, 'data.jsonl')).size;
    const total = metric('loss') + metric('acc');
    const { terminal, factory } = recordingProgress();
    expect(await importCommand(root, { dir: tempDir() }, silent, factory)).toBe(0);
    // Metric files are read in name order: acc first.
    expect(percents(terminal.writes)).toEqual([0, Math.floor((metric('acc') / total) * 100), 100, 100]);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options every benchmark receives from `run.ts`. */
export interface BenchOptions {
  /** `--full`: the large sizes (1B points and the like). */
  full: boolean;
  /** Scratch directory for stores and files, removed after the run. */
  tmpDir: string;
}

/** One benchmark: a name and a function that measures and returns rows of results. */
export interface Benchmark {
  name: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

/** A row of a result table: the case, the figures, and the ratios against the baseline. */
export interface BenchRow {
  case: string;
  [figure: string]: string | number | null;
}

/** A benchmark's results and any notes (targets met or missed). */
export interface BenchResult {
  rows: BenchRow[];
  notes: string[];
}

/** Median of a list of numbers (the machines are shared and noisy: quote medians). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Percentile (0..100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Runs `fn` `repeats` times after `warmup` runs and returns every duration in milliseconds. */
export async function timeRuns(fn: () => unknown, repeats: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** Formats a number for the table: 3 significant digits, thousands kept readable. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

/** Prints a result table to stdout. */
export function printTable(title: string, rows: BenchRow[]): void {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) =>
    columns.map((c) => (typeof r[c] === 'number' ? fmt(r[c] as number) : String(r[c] ?? '-'))),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] as number)).join('  ');
  console.log(`\n## ${title}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes a benchmark's results as JSON under benchmarks/results/. */
export function writeResult(name: string, result: BenchResult, meta: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, ...meta, ...result }, null, 2)}\n`);
  return file;
}

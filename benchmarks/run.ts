/**
 * `npm run bench [-- --full] [-- --only name,name]`: runs every benchmark in benchmarks/suites/,
 * prints a table of figures and ratios per benchmark, and writes JSON under benchmarks/results/.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Benchmark, printTable, writeResult } from './lib/harness.ts';

const args = process.argv.slice(2);
const full = args.includes('--full');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',')) : null;

const suitesDir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const files = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  mode: full ? 'full' : 'quick',
};
console.log(`trainscope benchmarks (${meta.mode}) on ${meta.cpus}, ${meta.memoryGiB} GiB, node ${meta.node}`);

let failed = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(suitesDir, file)).href)) as { default: Benchmark };
  const bench = mod.default;
  if (only && !only.has(bench.name)) continue;
  const tmpDir = mkdtempSync(join(tmpdir(), `trainscope-bench-${bench.name}-`));
  try {
    const result = await bench.run({ full, tmpDir });
    printTable(bench.name, result.rows);
    for (const note of result.notes) console.log(`  ${note}`);
    const out = writeResult(bench.name, result, meta);
    console.log(`  results: ${out}`);
  } catch (error) {
    failed++;
    console.error(`benchmark ${bench.name} failed:`, error);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
process.exitCode = failed ? 1 : 0;

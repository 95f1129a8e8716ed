import { existsSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Store } from '@trainscope/core';
import { readRunForMldash, writeMldashExperiment } from '@trainscope/plugin-jsonl';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';
import { withStore } from '../store-access.js';

/** Export formats. */
export const EXPORT_FORMATS = ['csv', 'parquet', 'arrow', 'jsonl-mldash'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * `trainscope export RUN --format F --out PATH`: every point of a run at full resolution.
 * csv/parquet/arrow write one file; jsonl-mldash writes the ml-dash directory layout under PATH.
 * Nothing partial is left behind when it fails.
 */
export async function exportCommand(
  runId: string,
  options: { dir?: string; format: ExportFormat; out: string; force?: boolean },
  out: Output,
): Promise<number> {
  const target = resolve(options.out);
  if (!existsSync(dirname(target))) throw new CliError(`The folder of --out (${dirname(target)}) does not exist.`);
  // lstat, not exists: a symlink at --out (dangling or not) is an existing entry, never followed.
  if (options.format !== 'jsonl-mldash' && lstatSync(target, { throwIfNoEntry: false }) && !options.force) {
    throw new CliError(`${target} exists; pass --force to replace it.`);
  }
  return withStore(options.dir, async (store) => {
    const run = await store.getRun(runId);
    let points: number;
    if (options.format === 'csv' || options.format === 'parquet') {
      const progress = new Progress(`exporting ${run.id}`, 1);
      points = await store.exportRun(run.id, target, options.format);
      progress.finish();
    } else if (options.format === 'arrow') {
      points = await exportArrow(store, run.id, target);
    } else {
      const input = await readRunForMldash(store, run.id);
      const staging = await mkdtemp(`${target}.partial-`);
      try {
        const result = await writeMldashExperiment(staging, input);
        const final = resolve(target, result.dir.slice(staging.length + 1));
        if (existsSync(final) && !options.force) throw new CliError(`${final} exists; pass --force to replace it.`);
        await rm(final, { recursive: true, force: true });
        await rename(resolve(staging, input.project), resolve(target, input.project)).catch(async (error: unknown) => {
          if (
            (error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' &&
            (error as NodeJS.ErrnoException).code !== 'EEXIST'
          )
            throw error;
          // The project folder exists: move just this experiment into it.
          await rename(result.dir, final);
        });
        points = input.series.reduce((sum, s) => sum + s.value.length, 0);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
    out.info(`trainscope: exported ${points.toLocaleString('en-US')} points of run ${run.id} to ${target}`);
    return 0;
  });
}

/**
 * Arrow IPC file: columns run_id, series, x (NaN where none given), x_given (0/1), wall_time
 * (epoch ms), value. Built as one table in memory (one record batch per page of points).
 */
async function exportArrow(store: Store, runId: string, target: string): Promise<number> {
  const series = await store.listSeries(runId);
  const summaries = await store.summaries(series.map((s) => s.id));
  const total = summaries.reduce((sum, s) => sum + s.count, 0);
  const progress = new Progress(`exporting ${runId}`, total);
  const names: string[] = [];
  const xs: Float64Array[] = [];
  const given: Uint8Array[] = [];
  const times: Float64Array[] = [];
  const values: Float64Array[] = [];
  for (const s of series) {
    let cursor: string | undefined;
    do {
      const page = await store.readPoints({ series: [s.id], by: 'n', limit: 500_000, ...(cursor ? { cursor } : {}) });
      for (let i = 0; i < page.length; i++) names.push(s.name);
      xs.push(Float64Array.from(page.x, (v, i) => (page.xGiven[i] ? v : Number.NaN)));
      given.push(page.xGiven);
      times.push(page.time);
      values.push(page.value);
      progress.add(page.length);
      cursor = page.next ?? undefined;
    } while (cursor);
  }
  const concat = <T extends Float64Array | Uint8Array>(parts: T[], make: (n: number) => T): T => {
    const out = make(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };
  const table = tableFromArrays({
    run_id: names.map(() => runId),
    series: names,
    x: concat(xs, (n) => new Float64Array(n)),
    x_given: concat(given, (n) => new Uint8Array(n)),
    wall_time: concat(times, (n) => new Float64Array(n)),
    value: concat(values, (n) => new Float64Array(n)),
  });
  const tmp = `${target}.partial-${process.pid}`;
  try {
    await writeFile(tmp, tableToIPC(table, 'file'));
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  progress.finish();
  return table.numRows;
}

import { existsSync, lstatSync, renameSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { Store } from '@trainscope/core';
import { readRunForMldash, writeMldashExperiment } from '@trainscope/plugin-jsonl';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { type Progress, type ProgressFactory, stderrProgress } from '../progress.js';
import { withStore } from '../store-access.js';

/** Export formats. */
export const EXPORT_FORMATS = ['csv', 'parquet', 'arrow', 'jsonl-mldash'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * `trainscope export RUN --format F --out PATH`: every point of a run at full resolution.
 * csv/parquet/arrow write one file; jsonl-mldash writes the ml-dash directory layout under PATH.
 * Nothing partial is left behind when it fails. On a terminal, a progress bar follows the bytes
 * written (csv, parquet) or the points read from the store (arrow, jsonl-mldash).
 */
export async function exportCommand(
  runId: string,
  options: { dir?: string; format: ExportFormat; out: string; force?: boolean },
  out: Output,
  progress: ProgressFactory = stderrProgress,
): Promise<number> {
  const target = resolve(options.out);
  if (!existsSync(dirname(target))) throw new CliError(`The folder of --out (${dirname(target)}) does not exist.`);
  // lstat, not exists: a symlink at --out (dangling or not) is an existing entry, never followed.
  const existing = lstatSync(target, { throwIfNoEntry: false });
  if (options.format !== 'jsonl-mldash' && existing?.isDirectory()) {
    throw new CliError(`--out ${target} is a directory; ${options.format} export writes one file: name that file.`);
  }
  if (options.format !== 'jsonl-mldash' && existing && !options.force) {
    throw new CliError(`${target} exists; pass --force to replace it.`);
  }
  return withStore(options.dir, async (store) => {
    const run = await store.getRun(runId);
    const label = `exporting ${run.id}`;
    let points: number;
    try {
      if (options.format === 'csv' || options.format === 'parquet') {
        points = await exportFile(
          store,
          run.id,
          target,
          options.format,
          progress(label, { total: null, unit: 'bytes' }),
        );
      } else {
        const bar = progress(label, { total: await pointCount(store, run.id) });
        points = await withBar(bar, () =>
          options.format === 'arrow'
            ? exportArrow(store, run.id, target, bar)
            : exportMldash(countingReads(store, bar), run.id, target, Boolean(options.force)),
        );
      }
    } catch (error) {
      throw exportFailure(error, run.id, target);
    }
    out.info(`trainscope: exported ${points.toLocaleString('en-US')} points of run ${run.id} to ${target}`);
    return 0;
  });
}

/** Finishes the bar when `fn` succeeds, erases it when it fails. */
async function withBar<T>(bar: Progress, fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    bar.finish();
    return result;
  } catch (error) {
    bar.abort();
    throw error;
  }
}

/** Errors the user meets keep their message; anything else says what failed where. */
function exportFailure(error: unknown, runId: string, target: string): Error {
  if (error instanceof CliError) return error;
  const e = error as Error & { code?: unknown };
  if (typeof e.code === 'string' && 'value' in e) return e; // a typed trainscope error
  return new CliError(`export of run ${runId} to ${target} failed: ${e.message ?? String(error)}`);
}

/** Points stored for a run (the 100% of a bar that follows points read). */
async function pointCount(store: Store, runId: string): Promise<number> {
  const series = await store.listSeries(runId);
  const summaries = await store.summaries(series.map((s) => s.id));
  return summaries.reduce((sum, s) => sum + s.count, 0);
}

/**
 * The store with its point reads counted on `bar`. Methods are bound to the store itself, whose
 * private fields a proxy as `this` could not reach.
 */
function countingReads(store: Store, bar: Progress): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'readPoints') {
        return async (...args: Parameters<Store['readPoints']>) => {
          const page = await target.readPoints(...args);
          bar.add(page.length);
          return page;
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * CSV or Parquet through the store's COPY: the bytes written so far are the progress (the final
 * size is not known in advance).
 */
async function exportFile(
  store: Store,
  runId: string,
  target: string,
  format: 'csv' | 'parquet',
  bar: Progress,
): Promise<number> {
  try {
    const points = await store.exportRun(runId, target, format, { onBytes: (size) => bar.set(size) });
    bar.finish();
    return points;
  } catch (error) {
    bar.abort();
    throw error;
  }
}

/**
 * The ml-dash layout, written whole in a staging folder beside PATH and then moved to
 * `PATH/<project>/<name>`. With --force, an experiment already there is set aside and only removed
 * once the new one is in place, so a failure leaves the old one as it was.
 */
async function exportMldash(store: Store, runId: string, target: string, force: boolean): Promise<number> {
  const input = await readRunForMldash(store, runId);
  const staging = await mkdtemp(`${target}.partial-`);
  let created: string | undefined;
  let aside: string | undefined;
  let final: string | undefined;
  try {
    const result = await writeMldashExperiment(staging, input);
    final = resolve(target, relative(staging, result.dir));
    if (existsSync(final) && !force) throw new CliError(`${final} exists; pass --force to replace it.`);
    created = await mkdir(dirname(final), { recursive: true });
    if (existsSync(final)) {
      aside = `${staging}-replaced`;
      await rename(final, aside);
    }
    await rename(result.dir, final);
    if (aside) await rm(aside, { recursive: true, force: true });
    aside = undefined;
    created = undefined;
    return input.series.reduce((sum, s) => sum + s.value.length, 0);
  } catch (error) {
    if (aside && final) await rename(aside, final).catch(() => {});
    // Folders made for this export hold nothing else: they go too.
    if (created) await rm(created, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Arrow IPC file: columns run_id, series, x (NaN where none given), x_given (0/1), wall_time
 * (epoch ms), value. Built as one table in memory (one record batch per page of points).
 */
async function exportArrow(store: Store, runId: string, target: string, bar: Progress): Promise<number> {
  const series = await store.listSeries(runId);
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
      bar.add(page.length);
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
  return table.numRows;
}

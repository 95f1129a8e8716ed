import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createPluginContext, type PluginContext, type Run, type Store } from '@trainscope/core';
import {
  findMldashExperiments,
  importJsonlWithJs,
  importMldashExperiment,
  mldashMetricBytes,
  readMldashRunInfo,
} from '@trainscope/plugin-jsonl';
import { CliError } from '../cli-error.js';
import { type ImportInterrupt, importInterrupt, signalExitCode } from '../import-interrupt.js';
import type { Output } from '../output.js';
import { type ProgressFactory, stderrProgress } from '../progress.js';
import { withStore } from '../store-access.js';

/**
 * `trainscope import PATH`: an ml-dash directory (a root, a project or one experiment) becomes one
 * run per experiment; a JSON-lines file becomes one run. Full resolution; malformed lines are
 * counted and reported in the run's log. A run is `running` while it is imported and `completed`
 * only once all its points are stored; one whose import fails is marked `failed` with the reason,
 * and Ctrl-C / SIGTERM marks it `stopped`. On a terminal, a progress bar follows the bytes read.
 */
export async function importCommand(
  path: string,
  options: { dir?: string; project?: string; name?: string; json?: boolean },
  out: Output,
  progress: ProgressFactory = stderrProgress,
): Promise<number> {
  const source = resolve(path);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(source);
  } catch {
    throw new CliError(`${source} does not exist.`);
  }
  const interrupt = importInterrupt((signal) =>
    out.info(`trainscope: ${signal}: stopping the import and marking its run stopped (again to quit at once)`),
  );
  try {
    return await withStore(options.dir, async (store) => {
      const imported: { id: string; project: string; name: string; points: number; rejected: number }[] = [];
      /** Reads into a run through a plugin context, ending the run as `guarded` does, and notes it. */
      const importInto = async (
        run: Run,
        read: (context: PluginContext) => Promise<{ points: number; rejected: Record<string, number> }>,
      ): Promise<void> => {
        const result = await guarded(store, run.id, interrupt, async () =>
          read(await createPluginContext(store, run.id)),
        );
        imported.push({
          id: run.id,
          project: run.project,
          name: run.name,
          points: result.points,
          rejected: sum(result.rejected),
        });
      };
      if (stats.isDirectory()) {
        const experiments = await findMldashExperiments(source);
        if (experiments.length === 0) {
          throw new CliError(
            `${source} holds no ml-dash experiment (no <project>/<experiment>/metrics/<metric>/data.jsonl).`,
          );
        }
        const sizes = await Promise.all(experiments.map((ref) => mldashMetricBytes(ref.dir)));
        const total = sizes.reduce((a, b) => a + b, 0);
        const bar = progress('importing', { total, unit: 'bytes' });
        try {
          for (const ref of experiments) {
            interrupt.check();
            const info = await readMldashRunInfo(ref.dir, source);
            const run = await store.createRun({
              project: options.project ?? info.project,
              name: options.name && experiments.length === 1 ? options.name : info.name,
              params: info.params,
              tags: info.tags,
              ...(info.createdAt !== null ? { startedAt: info.createdAt } : {}),
            });
            await importInto(run, (context) =>
              importMldashExperiment(ref.dir, context, { onBytes: (n) => bar.add(n), signal: interrupt.signal }),
            );
          }
        } catch (error) {
          bar.abort();
          throw error;
        }
        bar.finish();
      } else {
        const run = await store.createRun({
          project: options.project ?? 'default',
          name: options.name ?? basename(source).replace(/\.(jsonl|ndjson|json)$/i, ''),
          params: { source },
        });
        const bar = progress('importing', { total: stats.isFile() ? stats.size : null, unit: 'bytes' });
        try {
          await importInto(run, (context) =>
            importJsonlWithJs(source, context, { onBytes: (n) => bar.add(n), signal: interrupt.signal }),
          );
        } catch (error) {
          bar.abort();
          throw error;
        }
        bar.finish();
      }
      if (options.json) out.print(JSON.stringify(imported, null, 2));
      for (const r of imported) {
        out.info(
          `trainscope: imported ${r.points.toLocaleString('en-US')} points into run ${r.id} (${r.project}/${r.name})` +
            (r.rejected ? ` · ${r.rejected} lines refused (see the run log)` : ''),
        );
      }
      return 0;
    });
  } finally {
    interrupt.dispose();
  }
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * Imports into a run and marks it `completed` only once every point is stored (flushed); a
 * failure marks it `failed` and an interrupt `stopped`, each with the reason, and becomes a
 * one-line CliError naming the run.
 */
async function guarded<T>(store: Store, runId: string, interrupt: ImportInterrupt, fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    await store.flush();
    interrupt.check();
    await store.updateRun(runId, { status: 'completed' });
    return result;
  } catch (error) {
    const signal = interrupt.signalled();
    const reason = signal ? `interrupted by ${signal}` : `failed: ${(error as Error).message}`;
    const status = signal ? 'stopped' : 'failed';
    const marked = await store
      .updateRun(runId, { status, errorMessage: `import ${reason}; the run holds only part of the source` })
      .then(() => true)
      .catch(() => false);
    // A store that cannot write any more leaves the run `running`: still never counted complete.
    const what = marked ? `run ${runId} is marked ${status}` : `run ${runId} could not be marked and stays running`;
    throw new CliError(`import ${reason} (${what}).`, signal ? signalExitCode(signal) : 1);
  }
}

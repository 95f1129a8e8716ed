import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createPluginContext, type Store } from '@trainscope/core';
import {
  findMldashExperiments,
  importJsonlFile,
  importMldashExperiment,
  readMldashRunInfo,
} from '@trainscope/plugin-jsonl';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';
import { withStore } from '../store-access.js';

/**
 * `trainscope import PATH`: an ml-dash directory (a root, a project or one experiment) becomes one
 * run per experiment; a JSON-lines file becomes one run. Full resolution; malformed lines are
 * counted and reported in the run's log. A run whose import fails is marked failed with the reason.
 */
export async function importCommand(
  path: string,
  options: { dir?: string; project?: string; name?: string; json?: boolean },
  out: Output,
): Promise<number> {
  const source = resolve(path);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(source);
  } catch {
    throw new CliError(`${source} does not exist.`);
  }
  return withStore(options.dir, async (store) => {
    const imported: { id: string; project: string; name: string; points: number; rejected: number }[] = [];
    if (stats.isDirectory()) {
      const experiments = await findMldashExperiments(source);
      if (experiments.length === 0) {
        throw new CliError(
          `${source} holds no ml-dash experiment (no <project>/<experiment>/metrics/<metric>/data.jsonl).`,
        );
      }
      const progress = new Progress('importing', experiments.length);
      for (const ref of experiments) {
        const info = await readMldashRunInfo(ref.dir, source);
        const run = await store.createRun({
          project: options.project ?? info.project,
          name: options.name && experiments.length === 1 ? options.name : info.name,
          params: info.params,
          tags: info.tags,
          status: 'completed',
          ...(info.createdAt !== null ? { startedAt: info.createdAt } : {}),
        });
        const result = await guarded(store, run.id, async () => {
          const context = await createPluginContext(store, run.id);
          return importMldashExperiment(ref.dir, context);
        });
        imported.push({
          id: run.id,
          project: run.project,
          name: run.name,
          points: result.points,
          rejected: sum(result.rejected),
        });
        progress.add(1);
      }
      progress.finish();
    } else {
      const run = await store.createRun({
        project: options.project ?? 'default',
        name: options.name ?? basename(source).replace(/\.(jsonl|ndjson|json)$/i, ''),
        status: 'completed',
        params: { source },
      });
      const result = await guarded(store, run.id, async () => {
        const context = await createPluginContext(store, run.id);
        return importJsonlFile(source, context);
      });
      imported.push({
        id: run.id,
        project: run.project,
        name: run.name,
        points: result.points,
        rejected: sum(result.rejected),
      });
    }
    await store.flush();
    if (options.json) out.print(JSON.stringify(imported, null, 2));
    for (const r of imported) {
      out.info(
        `trainscope: imported ${r.points.toLocaleString('en-US')} points into run ${r.id} (${r.project}/${r.name})` +
          (r.rejected ? ` · ${r.rejected} lines refused (see the run log)` : ''),
      );
    }
    return 0;
  });
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function guarded<T>(store: Store, runId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    await store.updateRun(runId, { status: 'failed', errorMessage: `import failed: ${(error as Error).message}` });
    throw error;
  }
}

import { tmpdir } from 'node:os';
import { TrainscopeClient } from '@trainscope/client';
import { type JsonValue, processAlive, readOwner, Store, StoreLockedError } from '@trainscope/core';
import { type ExperimentOptions, type Target, warnOf } from './experiment-options.js';
import { localSink } from './local-sink.js';
import { flattenParams } from './metric-records.js';
import { remoteSink } from './remote-sink.js';
import type { RunSink } from './run-sink.js';

/** What a new run is created with. */
function runInput(options: ExperimentOptions): {
  project?: string;
  name?: string;
  params: Record<string, JsonValue>;
  tags: string[];
} {
  return {
    ...(options.project !== undefined ? { project: options.project } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    params: flattenParams(options.params ?? {}),
    tags: options.tags ?? [],
  };
}

/**
 * Opens the sink for a target. Local mode opens the store itself when no live process owns it,
 * else writes through the owner's server (DESIGN: one writer, many clients); remote mode talks to
 * the URL. Joins `runId` when given, else creates a run.
 */
export async function openSink(target: Target, options: ExperimentOptions): Promise<RunSink> {
  if (target.kind === 'local') {
    const owner = readOwner(target.dir);
    if (owner && processAlive(owner.pid)) {
      // A live owner with a server (this process's own included): write through it.
      if (owner.url) {
        const remote = { kind: 'remote', url: owner.url, apiKey: undefined, runId: target.runId } as const;
        return openRemote(remote, options, target.dir);
      }
      if (owner.pid !== process.pid) throw new StoreLockedError(target.dir, owner.pid);
    }
    const store = await Store.open({ dir: target.dir });
    try {
      const run = target.runId ? await store.getRun(target.runId) : await store.createRun(runInput(options));
      return await localSink(store, run.id, true);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return openRemote(target, options, undefined);
}

async function openRemote(
  target: Extract<Target, { kind: 'remote' }>,
  options: ExperimentOptions,
  storeDir: string | undefined,
): Promise<RunSink> {
  const apiKey = target.apiKey ?? options.apiKey ?? (options.env ?? process.env)['TRAINSCOPE_API_KEY'];
  const client = new TrainscopeClient({ url: target.url, ...(apiKey ? { apiKey } : {}) });
  const run = target.runId ? await client.run(target.runId) : await client.createRun(runInput(options));
  return remoteSink(client, run, {
    spillDir: options.spillDir ?? storeDir ?? tmpdir(),
    bufferPoints: options.bufferPoints ?? 1_000_000,
    intervalMs: options.flushIntervalMs ?? 200,
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    warn: warnOf(options),
  });
}

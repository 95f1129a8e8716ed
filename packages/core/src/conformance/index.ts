import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PointBatch } from '../batch.js';
import type { LogInput } from '../model.js';
import type { PluginContext, TrainscopePlugin } from '../plugin.js';
import { createPluginContext, type StorePluginContext } from '../plugin-context.js';
import { Store } from '../store/store.js';

/** How a plugin package plugs itself into the shared conformance suite. */
export interface PluginConformanceOptions<P extends TrainscopePlugin = TrainscopePlugin> {
  /** Title of the suite; @default `plugin conformance: <plugin name>` */
  title?: string;
  /** Makes a fresh plugin for each case. */
  create(): P | Promise<P>;
  /**
   * Makes the started plugin produce points (write to its stream, send it a packet, wait for a
   * sample). Resolve once the input is handed over; the suite then stops the plugin, which must
   * deliver what it holds.
   */
  exercise?(plugin: P, context: PluginContext): void | Promise<void>;
  /** Whether `exercise` must lead to at least one stored point. @default true when exercise is given */
  expectPoints?: boolean;
}

/** What a case records about the plugin's use of its context. */
interface Recorded {
  batches: number;
  points: number;
  ingestErrors: unknown[];
  afterStop: number;
  logs: LogInput[];
}

function instrument(context: StorePluginContext, recorded: Recorded, stopped: () => boolean): PluginContext {
  return {
    ...context,
    ingest(batch: PointBatch) {
      if (stopped()) recorded.afterStop++;
      recorded.batches++;
      recorded.points += batch.length;
      try {
        context.ingest(batch);
      } catch (error) {
        recorded.ingestErrors.push(error);
        throw error;
      }
    },
    log(line: LogInput) {
      if (stopped()) recorded.afterStop++;
      recorded.logs.push(line);
      context.log(line);
    },
  };
}

/**
 * The suite every plugin package runs first: lifecycle, idempotent stop, no writes after stop,
 * abort handling, and well-formed batches landing in a real store.
 */
export function testPlugin<P extends TrainscopePlugin>(options: PluginConformanceOptions<P>): void {
  const expectPoints = options.expectPoints ?? options.exercise !== undefined;
  const cleanups: (() => Promise<void>)[] = [];

  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'trainscope-conformance-'));
    const store = await Store.open({ dir, flushIntervalMs: 50 });
    const run = await store.createRun({ project: 'conformance', name: 'plugin' });
    const base = await createPluginContext(store, run.id);
    const recorded: Recorded = { batches: 0, points: 0, ingestErrors: [], afterStop: 0, logs: [] };
    let stopped = false;
    const context = instrument(base, recorded, () => stopped);
    const plugin = await options.create();
    cleanups.push(async () => {
      await Promise.resolve(plugin.stop()).catch(() => {});
      await store.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    });
    return {
      store,
      run,
      base,
      context,
      recorded,
      plugin,
      markStopped: () => {
        stopped = true;
      },
    };
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  describe(options.title ?? 'plugin conformance', () => {
    it('has a short, non-empty name', async () => {
      const plugin = await options.create();
      expect(typeof plugin.name).toBe('string');
      expect(plugin.name.length).toBeGreaterThan(0);
      expect(plugin.name.length).toBeLessThanOrEqual(64);
      expect(typeof plugin.start).toBe('function');
      expect(typeof plugin.stop).toBe('function');
    });

    it('starts, produces well-formed batches into a real store, and stops', async () => {
      const { store, context, recorded, plugin, markStopped } = await setup();
      await plugin.start(context);
      if (options.exercise) await options.exercise(plugin, context);
      await plugin.stop();
      markStopped();
      await store.flush();
      expect(recorded.ingestErrors).toEqual([]);
      if (expectPoints) {
        expect(recorded.points).toBeGreaterThan(0);
        const series = await store.listSeries(context.run.id);
        expect(series.length).toBeGreaterThan(0);
        const summaries = await store.summaries(series.map((s) => s.id));
        const stored = summaries.reduce((sum, s) => sum + s.count, 0);
        expect(stored).toBe(recorded.points);
      }
    });

    it('stop is idempotent and nothing is written after it', async () => {
      const { context, recorded, plugin, markStopped } = await setup();
      await plugin.start(context);
      if (options.exercise) await options.exercise(plugin, context);
      await plugin.stop();
      markStopped();
      await plugin.stop();
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(recorded.afterStop).toBe(0);
    });

    it('stops promptly once the run aborts its signal', async () => {
      const { base, context, plugin, markStopped } = await setup();
      await plugin.start(context);
      base.abort(new Error('run ending'));
      const stopped = Promise.resolve(plugin.stop()).then(() => 'stopped');
      const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
      expect(await Promise.race([stopped, timeout])).toBe('stopped');
      markStopped();
    });

    it('stop before start is harmless', async () => {
      const plugin = await options.create();
      await expect(Promise.resolve(plugin.stop())).resolves.not.toThrow();
    });
  });
}

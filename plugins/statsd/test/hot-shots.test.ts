import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginContext, Store } from '@trainscope/core';
import { StatsD } from 'hot-shots';
import { afterEach, describe, expect, it } from 'vitest';
import { type StatsdPlugin, statsdPlugin } from '../src/plugin.js';
import { until } from './helpers/recording-context.js';

// A real statsd client from the npm registry drives the listener, as a training script would,
// and the values are read back from a real store.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function openStore() {
  const dir = mkdtempSync(join(tmpdir(), 'statsd-hot-shots-'));
  const store = await Store.open({ dir, flushIntervalMs: 50 });
  const run = await store.createRun({ project: 'statsd', name: 'hot-shots' });
  const context = await createPluginContext(store, run.id);
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Stored values of a series, in order. */
  const values = async (name: string, labels: Record<string, string> = {}): Promise<number[]> => {
    const series = (await store.listSeries(run.id)).find(
      (s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels),
    );
    if (series === undefined) return [];
    const rows = await store.readPoints({ series: [series.id], by: 'n' });
    return Array.from(rows.value);
  };
  return { store, run, context, values };
}

function closeClient(client: StatsD): Promise<void> {
  return new Promise((resolve, reject) => client.close((error) => (error ? reject(error) : resolve())));
}

describe('hot-shots client', () => {
  it.each([
    ['udp', { udp: true, tcp: false }, {}],
    ['udp, 1 KB multi-metric packets', { udp: true, tcp: false }, { maxBufferSize: 1024, bufferFlushInterval: 10 }],
    ['tcp', { udp: false, tcp: true }, {}],
  ] as const)('stores exactly what it sends over %s', async (_, listen, clientOptions) => {
    const { store, run, context, values } = await openStore();
    const plugin: StatsdPlugin = statsdPlugin({ port: 0, ...listen });
    await plugin.start(context);
    cleanups.unshift(async () => {
      await plugin.stop();
    });
    const address = plugin.address();
    const port = (address.udp ?? address.tcp)?.port as number;
    const errors: Error[] = [];
    const client = new StatsD({
      host: '127.0.0.1',
      port,
      protocol: listen.tcp ? 'tcp' : 'udp',
      errorHandler: (e) => errors.push(e),
      ...clientOptions,
    });
    // Gradient's toy job: increment a counter, gauge a value, many times.
    for (let i = 1; i <= 50; i++) {
      client.increment('testMetric1');
      client.gauge('testMetric2', i * 2);
    }
    client.increment('testMetric1', 10);
    client.decrement('testMetric1', 3);
    client.gaugeDelta('testMetric2', -0.5);
    client.timing('step_time', 12);
    client.timing('step_time', 30);
    client.histogram('tokens', 100, { gpu: '0' });
    client.distribution('tokens', 300, { gpu: '0' });
    client.histogram('tokens', 5, { gpu: '1' });
    client.set('users', 'alice');
    client.unique('users', 'bob');
    client.set('users', 'alice');
    await closeClient(client);
    const expected = 50 * 2 + 2 + 1 + 2 + 3 + 3;
    await until(() => plugin.stats().metrics === expected, `${expected} metrics`);
    await plugin.stop();
    await store.flush();
    expect(errors).toEqual([]);
    expect(plugin.stats().refused).toEqual({});

    expect(await values('testMetric1')).toEqual([57]);
    const gauges = await values('testMetric2');
    expect(gauges).toHaveLength(51);
    expect(gauges.slice(0, 3)).toEqual([2, 4, 6]);
    expect(gauges.slice(-2)).toEqual([100, 99.5]);
    expect(await values('step_time/count')).toEqual([2]);
    expect(await values('step_time/min')).toEqual([12]);
    expect(await values('step_time/max')).toEqual([30]);
    expect(await values('step_time/mean')).toEqual([21]);
    expect(await values('tokens/count', { gpu: '0' })).toEqual([2]);
    expect(await values('tokens/mean', { gpu: '0' })).toEqual([200]);
    expect(await values('tokens/max', { gpu: '1' })).toEqual([5]);
    expect(await values('users/cardinality')).toEqual([2]);
    const series = await store.listSeries(run.id);
    expect(series.find((d) => d.name === 'step_time/p99')).toMatchObject({ kind: 'custom', type: 'timer', unit: 'ms' });
    expect(series.find((d) => d.name === 'testMetric1')).toMatchObject({ kind: 'custom', type: 'counter' });
  });
});

import { createSocket } from 'node:dgram';
import type { LogInput, PointBatch, SeriesDef } from '@trainscope/core';
import { describe, expect, it } from 'vitest';
import { createStatsdCollector } from '../src/collector.js';
import { until } from './helpers/recording-context.js';

describe('createStatsdCollector', () => {
  it('runs the listener without a run or store, handing batches and series definitions to callbacks', async () => {
    const batches: { batch: PointBatch; names: string[] }[] = [];
    const logs: LogInput[] = [];
    const collector = createStatsdCollector({
      port: 0,
      onBatch: (batch, series: ReadonlyArray<SeriesDef>) =>
        batches.push({ batch, names: Array.from(batch.series, (id) => series[id]?.name ?? '?') }),
      onLog: (line) => logs.push(line),
    });
    await collector.start();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) =>
      socket.send('jobs:2|c\njobs:3|c\nbroken', collector.address().udp?.port as number, '127.0.0.1', () => resolve()),
    );
    socket.close();
    await until(() => collector.stats().packets === 1, 'the packet');
    await collector.stop();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.names).toEqual(['jobs', 'jobs/rate']);
    expect(batches[0]?.batch.value[0]).toBe(5);
    expect(collector.stats()).toMatchObject({ metrics: 2, refused: { malformed: 1 }, points: 2, metricCount: 1 });
    expect(logs).toHaveLength(1);
  });
});

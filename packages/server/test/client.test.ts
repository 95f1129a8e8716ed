import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiRequestError, type LivePoints, TrainscopeClient, type WebSocketConstructor } from '@trainscope/client';
import { makeTable, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { createKey } from '../src/index.js';
import { ingestRange } from './helpers/ingest.js';
import { type Started, startServer } from './helpers/start.js';

describe('@trainscope/client against a real server', () => {
  let dir: string;
  let s: Started;
  let client: TrainscopeClient;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainscope-client-'));
    const { key } = createKey(dir, 'sdk');
    s = await startServer({}, dir);
    client = new TrainscopeClient({ url: s.url, apiKey: key, WebSocket: WebSocket as unknown as WebSocketConstructor });
  });
  afterAll(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a remote writer: create a run, define series, send points and logs, finish the run', async () => {
    const run = await client.createRun({ id: 'remote1', project: 'sdk', params: { lr: 0.01 } });
    expect(run.status).toBe('running');
    const [loss, gpu] = await client.defineSeries('remote1', [
      { name: 'train/loss' },
      { name: 'gpu/0/utilization', kind: 'system', unit: 'fraction' },
    ]);
    expect(await client.ingest({ series: [loss!.id, loss!.id], x: [0, 1], value: [0.5, Number.NaN] })).toEqual({
      accepted: 2,
      skipped: 0,
      next: { [loss!.id]: 2 },
    });
    const ipc = tableToIPC(
      makeTable({
        series: Uint32Array.from([gpu!.id]),
        time: Float64Array.from([Date.now()]),
        value: Float64Array.from([0.9]),
      }),
      'stream',
    );
    expect((await client.ingestArrow(ipc)).accepted).toBe(1);
    expect(await client.appendLogs('remote1', [{ text: 'epoch 1 done', stream: 'stdout' }])).toBe(1);
    await client.updateRun('remote1', { status: 'completed', exit_code: 0 });
    await s.store.flush();

    const page = await client.points({ series: [loss!.id] });
    expect([...page.value]).toEqual([0.5, Number.NaN]);
    expect((await client.pointsArrow({ series: [loss!.id] })).table.numRows).toBe(2);
    expect((await client.pointsCsv({ series: [gpu!.id] })).split('\n')[1]).toMatch(/^remote1,gpu\/0\/utilization,,/);
    const chart = await client.chart(loss!.id, { width: 10 });
    expect([chart.length, chart.count[0], chart.nanCount[1]]).toEqual([2, 1, 1]);
    expect((await client.chartJson(loss!.id, { width: 10 })).buckets.first_v).toEqual([0.5, 'NaN']);
    expect((await client.summaries('remote1')).map((x) => x.count)).toEqual([2, 1]);
    expect((await client.logs('remote1', { tail: 1 }))[0]?.text).toBe('epoch 1 done');
    expect((await client.runs({ project: 'sdk', summaries: ['train/loss'] }))[0]).toMatchObject({
      id: 'remote1',
      status: 'completed',
      summaries: { 'train/loss': { count: 2, non_finite: 1 } },
    });
    expect((await client.projects()).map((p) => p.name)).toContain('sdk');
    expect((await client.series('remote1')).map((x) => x.name)).toEqual(['train/loss', 'gpu/0/utilization']);
    const metrics = await client.jobMetrics('sdk', 'remote1');
    expect(metrics.gpu_utilization['0']?.[0]?.value).toBe(0.9);
    expect(metrics.training_job.current_status).toBe('TRAINING_JOB_COMPLETED');
  });

  test('errors carry the API code, status and field', async () => {
    const err = await client.run('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(err).toMatchObject({ status: 404, code: 'unknown_run' });
    const bad = await client.updateRun('remote1', { status: 'nope' as 'failed' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'invalid_request', field: 'body/status' });
    const anonymous = new TrainscopeClient({ url: s.url });
    expect(await anonymous.projects().catch((e: unknown) => e)).toMatchObject({ status: 401, code: 'unauthorized' });
    const nowhere = new TrainscopeClient({ url: 'http://127.0.0.1:1' });
    expect(await nowhere.projects().catch((e: unknown) => e)).toMatchObject({ status: 0, code: 'unreachable' });
  });

  test('live() reconnects after a dropped connection and resumes: nothing lost or doubled', async () => {
    await s.store.createRun({ id: 'live1', project: 'sdk' });
    await s.store.openRun('live1');
    const id = s.store.defineSeries('live1', { name: 'train/loss' }).id;
    ingestRange(s.store, id, 0, 500);
    const received: number[] = [];
    const runs: string[] = [];
    const stream = client.live({
      runs: ['live1'],
      reconnectDelayMs: 20,
      onPoints: (points: LivePoints[]) => {
        for (const p of points) if (p.seriesId === id) received.push(...p.value);
      },
      onRun: (run) => runs.push(run.status),
    });
    const until = async (check: () => boolean) => {
      while (!check()) await new Promise((r) => setTimeout(r, 10));
    };
    await stream.ready();
    await until(() => received.length === 500);
    stream.interrupt();
    ingestRange(s.store, id, 500, 700);
    await s.store.flush();
    await until(() => stream.connections === 2);
    ingestRange(s.store, id, 1200, 300);
    await until(() => received.length >= 1500);
    await s.store.updateRun('live1', { status: 'stopped' });
    await until(() => runs.length > 0);
    stream.close();
    expect(received).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    expect(stream.cursors()).toEqual({ [id]: 1500 });
    expect(runs).toEqual(['stopped']);
  });
});

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ingestRange } from './helpers/ingest.js';
import { LiveRecorder } from './helpers/live-client.js';
import { type Started, startServer } from './helpers/start.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const expectSequence = (values: number[] | undefined, length: number) =>
  expect(values).toEqual(Array.from({ length }, (_, i) => i));

describe('WebSocket live stream', () => {
  let s: Started;
  let seriesId: number;
  const clients: LiveRecorder[] = [];
  const connect = async (options?: ConstructorParameters<typeof LiveRecorder>[1]) => {
    const c = new LiveRecorder(s.url, options);
    clients.push(c);
    await c.opened();
    return c;
  };

  beforeEach(async () => {
    s = await startServer({ liveHighWaterBytes: 64 * 1024 });
    await s.store.createRun({ id: 'run1', project: 'p' });
    await s.store.openRun('run1');
    seriesId = s.store.defineSeries('run1', { name: 'train/loss' }).id;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await s.stop();
  });

  test('a run subscriber gets the history, then append-only deltas, then status changes', async () => {
    ingestRange(s.store, seriesId, 0, 100);
    await s.store.flush();
    const c = await connect();
    c.send({ type: 'subscribe', runs: ['run1'] });
    await c.until(() => c.count(seriesId) === 100);
    ingestRange(s.store, seriesId, 100, 50);
    const late = s.store.defineSeries('run1', { name: 'val/acc' }).id;
    ingestRange(s.store, late, 0, 5);
    await c.until(() => c.count(seriesId) === 150 && c.count(late) === 5);
    expectSequence(c.values.get(seriesId), 150);
    await s.store.updateRun('run1', { status: 'completed', exitCode: 0 });
    await c.until(() => c.messages.some((m) => m.type === 'run'));
    expect(c.messages.find((m) => m.type === 'run')).toMatchObject({
      type: 'run',
      run: { id: 'run1', status: 'completed', exit_code: 0 },
    });
    expect(c.messages[0]).toEqual({ type: 'subscribed', series: {}, runs: ['run1'] });
  });

  test('reconnecting with the cursor resumes with nothing lost or doubled', async () => {
    ingestRange(s.store, seriesId, 0, 1000);
    const first = await connect();
    first.send({ type: 'subscribe', series: { [seriesId]: 0 } });
    await first.until(() => first.count(seriesId) >= 1000);
    await first.close();
    const held = first.values.get(seriesId) ?? [];
    // points keep arriving while no one listens
    ingestRange(s.store, seriesId, 1000, 2500);
    await s.store.flush();
    const second = await connect({ from: { [seriesId]: held.length } });
    second.send({ type: 'subscribe', series: { [seriesId]: held.length } });
    ingestRange(s.store, seriesId, 3500, 500);
    await second.until(() => second.count(seriesId) >= 4000 - held.length);
    const resumed = second.values.get(seriesId) ?? [];
    // the second connection's point numbers start at its cursor
    const firstDelta = second.messages.find((m) => m.type === 'delta');
    expect(firstDelta?.type === 'delta' && firstDelta.deltas[0]?.from).toBe(held.length);
    expectSequence([...held, ...resumed], 4000);
  });

  test('a consumer that stops reading holds a bounded send buffer and later gets everything once', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', series: { [seriesId]: 0 } });
    await c.until(() => c.messages.length > 0);
    c.ws.pause();
    const total = 300_000;
    for (let from = 0; from < total; from += 15_000) {
      ingestRange(s.store, seriesId, from, 15_000);
      await s.store.flush();
    }
    await sleep(200); // the last tick
    // ~11 MB of JSON were produced while the client read nothing (the kernel takes ~5 MB on
    // loopback); the server's send buffer held its mark plus one message of the rest
    const peak = s.server.stats().live.peakBufferedBytes;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(2 ** 20);
    c.ws.resume();
    await c.until(() => c.count(seriesId) >= total);
    expectSequence(c.values.get(seriesId), total);
  });

  test('a stalled consumer whose points left the shared feed reads them back from the store, coalesced, none lost or doubled', async () => {
    const tight = await startServer({ liveHighWaterBytes: 64 * 1024, liveFeedBudgetBytes: 2 ** 20 });
    const c = new LiveRecorder(tight.url);
    const keeping = new LiveRecorder(tight.url);
    try {
      await Promise.all([c.opened(), keeping.opened()]);
      await tight.store.createRun({ id: 'r', project: 'p' });
      await tight.store.openRun('r');
      const id = tight.store.defineSeries('r', { name: 'loss' }).id;
      for (const x of [c, keeping]) x.send({ type: 'subscribe', series: { [id]: 0 } });
      await Promise.all([c, keeping].map((x) => x.until(() => x.messages.length > 0)));
      c.ws.pause();
      const total = 400_000;
      let feedPeak = 0;
      for (let from = 0; from < total; from += 10_000) {
        ingestRange(tight.store, id, from, 10_000);
        await tight.store.flush();
        await sleep(30);
        feedPeak = Math.max(feedPeak, tight.server.stats().live.feedBytes);
      }
      await keeping.until(() => keeping.count(id) >= total);
      // the feed kept ~1 MiB of recent points (plus one tick's worth), not the 400k the stalled one missed
      expect(feedPeak).toBeLessThan(2 * 2 ** 20);
      const readsBefore = tight.server.stats().live.catchUpReads;
      c.ws.resume();
      await c.until(() => c.count(id) >= total);
      expectSequence(c.values.get(id), total);
      expectSequence(keeping.values.get(id), total);
      const live = tight.server.stats().live;
      expect(live.catchUpReads).toBeGreaterThan(readsBefore);
      expect(live.peakBufferedBytes).toBeLessThan(2 ** 20);
    } finally {
      await c.close();
      await keeping.close();
      await tight.stop();
    }
  });

  test('bad messages get an error and the connection stays usable', async () => {
    const c = await connect();
    c.send('{not json');
    c.send({ type: 'unsubscribe-all' });
    c.send({ type: 'subscribe', series: { abc: 0 } });
    c.send({ type: 'subscribe', series: { [seriesId]: -1 } });
    c.send({ type: 'subscribe', series: { 987654: 0 } });
    c.send({ type: 'subscribe', runs: ['no-such-run'] });
    c.send(Buffer.from([0xde, 0xad]));
    await c.until(() => c.errors.length === 7);
    expect(c.errors).toEqual([
      'malformed_json',
      'invalid_message',
      'invalid_message',
      'invalid_message',
      'unknown_series',
      'unknown_run',
      'invalid_message',
    ]);
    ingestRange(s.store, seriesId, 0, 10);
    c.send({ type: 'subscribe', series: { [seriesId]: 0 } });
    await c.until(() => c.count(seriesId) === 10);
    expect(s.server.stats().rejections).toMatchObject({ malformed_json: 1, invalid_message: 4 });
  });

  test('subscribers that keep up share one encoded message per delta', async () => {
    const a = await connect();
    const b = await connect();
    const c = await connect();
    for (const x of [a, b, c]) x.send({ type: 'subscribe', series: { [seriesId]: 0 } });
    await Promise.all([a, b, c].map((x) => x.until(() => x.messages.some((m) => m.type === 'subscribed'))));
    const before = s.server.stats().live;
    for (let i = 0; i < 5; i++) {
      ingestRange(s.store, seriesId, i * 100, 100);
      await s.store.flush();
      await Promise.all([a, b, c].map((x) => x.until(() => x.count(seriesId) === (i + 1) * 100)));
    }
    const after = s.server.stats().live;
    expect(after.messagesSent - before.messagesSent).toBe(15);
    expect(after.messagesEncoded - before.messagesEncoded).toBe(5);
    for (const x of [a, b, c]) expectSequence(x.values.get(seriesId), 500);
  });

  test('binary encoding: the client decodes the same points, NaN included, and pieces of a large catch-up arrive in order', async () => {
    const { TrainscopeClient } = await import('@trainscope/client');
    const { WebSocket } = await import('ws');
    const client = new TrainscopeClient({ url: s.url, WebSocket: WebSocket as never });
    ingestRange(s.store, seriesId, 0, 20_000); // more than one message's worth: sent in pieces
    s.store.ingestor.ingest({
      length: 1,
      series: Uint32Array.of(seriesId),
      x: Float64Array.of(20_000),
      time: Float64Array.of(Date.now()),
      value: Float64Array.of(Number.NaN),
    });
    await s.store.flush();
    const values: number[] = [];
    const froms: number[] = [];
    const stream = client.live({
      series: { [seriesId]: 0 },
      encoding: 'binary',
      onPoints: (points) => {
        for (const p of points) {
          froms.push(p.from);
          values.push(...p.value);
        }
      },
    });
    try {
      await stream.ready();
      while (values.length < 20_001) await new Promise((r) => setTimeout(r, 10));
      expect(values.slice(0, 20_000)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
      expect(values[20_000]).toBeNaN();
      expect(froms.length).toBeGreaterThan(2);
      expect(stream.cursors()).toEqual({ [seriesId]: 20_001 });
    } finally {
      stream.close();
    }
    const c = await connect();
    c.send({ type: 'subscribe', encoding: 'yaml' });
    await c.until(() => c.errors.length === 1);
    expect(c.errors).toEqual(['invalid_message']);
  });

  test('packed encoding: the client gets the same points from a cursor inside a run, then live, once each', async () => {
    const { TrainscopeClient } = await import('@trainscope/client');
    const { WebSocket } = await import('ws');
    const client = new TrainscopeClient({ url: s.url, WebSocket: WebSocket as never });
    ingestRange(s.store, seriesId, 0, 10_000);
    await s.store.flush();
    const values: number[] = [];
    const xs: number[] = [];
    const stream = client.live({
      series: { [seriesId]: 1234 },
      encoding: 'packed',
      onPoints: (points) => {
        for (const p of points) {
          values.push(...p.value);
          xs.push(...p.x);
        }
      },
    });
    try {
      await stream.ready();
      ingestRange(s.store, seriesId, 10_000, 500);
      while (values.length < 10_500 - 1234) await sleep(10);
      const expected = Array.from({ length: 10_500 - 1234 }, (_, i) => 1234 + i);
      expect(values).toEqual(expected);
      expect(xs).toEqual(expected);
      expect(stream.cursors()).toEqual({ [seriesId]: 10_500 });
    } finally {
      stream.close();
    }
  });

  test('a shared memory budget caps what many stalled consumers hold together', async () => {
    const budget = 256 * 1024;
    const tight = await startServer({ liveMemoryBudgetBytes: budget });
    const stalled: LiveRecorder[] = [];
    try {
      await tight.store.createRun({ id: 'r', project: 'p' });
      await tight.store.openRun('r');
      const id = tight.store.defineSeries('r', { name: 'loss' }).id;
      for (let k = 0; k < 4; k++) {
        const c = new LiveRecorder(tight.url);
        stalled.push(c);
        await c.opened();
        c.send({ type: 'subscribe', series: { [id]: 0 } });
        await c.until(() => c.messages.length > 0);
        c.ws.pause();
      }
      for (let from = 0; from < 40_000; from += 4000) {
        ingestRange(tight.store, id, from, 4000);
        await tight.store.flush();
      }
      // each of the 4 gets a 64 KiB share (256 KiB / 4): at most its mark plus one message queued
      const live = tight.server.stats().live;
      expect(live.peakBufferedBytes).toBeLessThan(64 * 1024 + 400 * 1024);
      expect(live.totalBufferedBytes).toBeLessThan(4 * (64 * 1024 + 400 * 1024));
      for (const c of stalled) c.ws.resume();
      await Promise.all(stalled.map((c) => c.until(() => c.count(id) >= 40_000)));
      for (const c of stalled) expectSequence(c.values.get(id), 40_000);
    } finally {
      for (const c of stalled) await c.close();
      await tight.stop();
    }
  });

  test('upgrades on other paths are refused', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/elsewhere`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });
});

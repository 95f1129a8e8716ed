import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ingestRange } from './helpers/ingest.js';
import { LiveRecorder } from './helpers/live-client.js';
import { type Started, startServer } from './helpers/start.js';

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
    s = await startServer({ liveHighWaterBytes: 64 * 1024, liveMaxBufferedPoints: 20_000 });
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
    const total = 150_000;
    for (let from = 0; from < total; from += 15_000) {
      ingestRange(s.store, seriesId, from, 15_000);
      await s.store.flush();
    }
    // ~5.5 MB of JSON were produced while the client read nothing; the server held a fraction of it
    const peak = s.server.stats().live.peakBufferedBytes;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(2 ** 20);
    c.ws.resume();
    await c.until(() => c.count(seriesId) >= total);
    expectSequence(c.values.get(seriesId), total);
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

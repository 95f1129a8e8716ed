import { describe, expect, it } from 'vitest';
import type { SeriesDelta, Store } from '../src/index.js';
import { batchOf, openStore } from './helpers.js';

async function setup() {
  const store = await openStore({ flushIntervalMs: 20 });
  const run = await store.createRun();
  await store.openRun(run.id);
  const a = store.defineSeries(run.id, { name: 'a' }).id;
  return { store, run, a };
}

function ingestRange(store: Store, id: number, from: number, count: number) {
  const xs = Array.from({ length: count }, (_, i) => from + i);
  store.ingestor.ingest(batchOf(new Array(count).fill(id), xs, xs));
}

function collect() {
  const got: number[] = [];
  const deltas: SeriesDelta[] = [];
  return {
    got,
    deltas,
    onDelta(batch: SeriesDelta[]) {
      for (const d of batch) {
        deltas.push(d);
        got.push(...d.value);
      }
    },
  };
}

describe('live subscriptions', () => {
  it('a subscriber from a cursor gets only what follows it, as append-only deltas', async () => {
    const { store, a } = await setup();
    ingestRange(store, a, 0, 100);
    await store.flush();
    const sink = collect();
    const sub = store.subscribe({ series: { [a]: 60 }, onDelta: sink.onDelta });
    await sub.idle();
    expect(sink.got).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    ingestRange(store, a, 100, 50);
    await store.flush();
    await sub.idle();
    expect(sink.got).toEqual(Array.from({ length: 90 }, (_, i) => 60 + i));
    expect(sub.cursors()[a]).toBe(150);
    for (let i = 1; i < sink.deltas.length; i++) {
      const prev = sink.deltas[i - 1] as SeriesDelta;
      expect((sink.deltas[i] as SeriesDelta).from).toBe(prev.from + prev.value.length);
    }
    sub.close();
  });

  it('a run subscription sees series defined later, from their first point', async () => {
    const { store, run, a } = await setup();
    const sink = collect();
    const sub = store.subscribe({ runs: [run.id], onDelta: sink.onDelta });
    ingestRange(store, a, 0, 3);
    const b = store.defineSeries(run.id, { name: 'b' }).id;
    ingestRange(store, b, 1000, 2);
    await store.flush();
    await sub.idle();
    expect(sink.got.sort((x, y) => x - y)).toEqual([0, 1, 2, 1000, 1001]);
    const runs: string[] = [];
    const sub2 = store.subscribe({ runs: [run.id], onDelta: () => {}, onRun: (r) => runs.push(r.status) });
    await store.updateRun(run.id, { status: 'completed' });
    expect(runs).toEqual(['completed']);
    sub.close();
    sub2.close();
  });

  it('an everything tap gets every series of every run from its next point on, no history, and every run change', async () => {
    const { store, run, a } = await setup();
    ingestRange(store, a, 0, 10);
    await store.flush();
    const sink = collect();
    const runs: string[] = [];
    const tap = store.subscribe({ everything: true, onDelta: sink.onDelta, onRun: (r) => runs.push(r.id) });
    const other = await store.createRun();
    await store.openRun(other.id);
    const b = store.defineSeries(other.id, { name: 'b' }).id;
    ingestRange(store, a, 10, 3);
    ingestRange(store, b, 0, 2);
    await store.flush();
    await tap.idle();
    expect(sink.deltas.map((d) => [d.seriesId, d.from, d.value.length])).toEqual([
      [a, 10, 3],
      [b, 0, 2],
    ]);
    await store.updateRun(run.id, { status: 'completed' });
    expect(runs).toContain(run.id);
    tap.close();
  });

  it('a slow subscriber is coalesced within its buffer bound and still gets every point exactly once', async () => {
    const { store, a } = await setup();
    const got: number[] = [];
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sub = store.subscribe({
      series: { [a]: 0 },
      maxBufferedPoints: 500,
      async onDelta(batch) {
        calls++;
        for (const d of batch) got.push(...d.value);
        // The consumer is stuck until every flush below has been published.
        await gate;
      },
    });
    for (let i = 0; i < 40; i++) {
      ingestRange(store, a, i * 200, 200);
      await store.flush();
    }
    release();
    await sub.idle();
    expect(got).toEqual(Array.from({ length: 8000 }, (_, i) => i));
    // 40 flushes arrived while it was stuck: they reach it coalesced, not one call each.
    expect(calls).toBeLessThanOrEqual(3);
    sub.close();
  });

  it('points published while a subscriber reads its history are not lost', async () => {
    const { store, a } = await setup();
    ingestRange(store, a, 0, 200);
    await store.flush();
    const got: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sub = store.subscribe({
      series: { [a]: 0 },
      async onDelta(batch) {
        for (const d of batch) got.push(...d.value);
        // Stuck on the history read (points 0-199) while every later flush is published.
        await gate;
      },
    });
    for (let i = 1; i < 20; i++) {
      ingestRange(store, a, i * 200, 200);
      await store.flush();
    }
    release();
    await sub.idle();
    expect(got).toEqual(Array.from({ length: 4000 }, (_, i) => i));
    sub.close();
  });

  it('closing a subscription stops delivery', async () => {
    const { store, a } = await setup();
    const sink = collect();
    const sub = store.subscribe({ series: { [a]: 0 }, onDelta: sink.onDelta });
    sub.close();
    ingestRange(store, a, 0, 10);
    await store.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.got).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiRequestError, TrainscopeClient } from '@trainscope/client';
import type { PointBatch } from '@trainscope/core';
import { makeTable } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyStart, parseStartMap } from '../src/ingest-start.js';
import { api, type Started, startServer } from './helpers/start.js';

/** Points `from..to-1` of a series: x and value = position. */
function span(seriesId: number, from: number, to: number) {
  const positions = Array.from({ length: to - from }, (_, i) => from + i);
  return { series: positions.map(() => seriesId), x: positions, value: positions };
}

function batchOf(series: number[]): PointBatch {
  const n = series.length;
  return {
    length: n,
    series: Uint32Array.from(series),
    x: Float64Array.from(series.map((_, i) => i)),
    time: new Float64Array(n),
    value: Float64Array.from(series.map((_, i) => i)),
  };
}

describe('applyStart / parseStartMap (pure)', () => {
  test('drops, per named series, the points before its next position, in batch order', () => {
    const next = (id: number) => ({ 1: 3, 2: 1, 3: 0 })[id] ?? 0;
    // series 1 positions 1..4, series 2 positions 0..1, series 3 unnamed, interleaved
    const plan = applyStart(
      batchOf([1, 2, 1, 3, 1, 2, 1]),
      new Map([
        [1, 1],
        [2, 0],
      ]),
      next,
    );
    expect(plan.skipped).toBe(3);
    // series 1 holds positions 1..2 (batch rows 0, 2), series 2 holds position 0 (row 1)
    expect([...plan.batch.series]).toEqual([3, 1, 2, 1]);
    expect([...plan.batch.value]).toEqual([3, 4, 5, 6]);
  });

  test('a batch whose start is the next position passes untouched; one past it is a gap naming the expected position', () => {
    const batch = batchOf([7, 7]);
    expect(applyStart(batch, new Map([[7, 5]]), () => 5).batch).toBe(batch);
    const gap = (() => {
      try {
        applyStart(batch, new Map([[7, 6]]), () => 5);
      } catch (e) {
        return e;
      }
    })();
    expect(gap).toMatchObject({ statusCode: 409, code: 'ingest_gap', details: { expected: { 7: 5 } } });
  });

  test('refuses maps that are not series id -> non-negative integer', () => {
    for (const bad of [
      null,
      [],
      'x',
      { a: 1 },
      { '1': -1 },
      { '1': 1.5 },
      { '1': '2' },
      { '99999999999': 0 },
      { '1': 2 ** 60 },
    ]) {
      expect(() => parseStartMap(bad, 'body/start')).toThrow(/body\/start/);
    }
    expect([...parseStartMap({ '4': 0, '5': 12 }, 'start')]).toEqual([
      [4, 0],
      [5, 12],
    ]);
  });
});

describe('POST /api/v1/ingest/points with start (resending writers)', () => {
  let s: Started;
  let client: TrainscopeClient;
  let dir: string;
  let ids: number[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainscope-ingest-start-'));
    s = await startServer({}, dir);
    client = new TrainscopeClient({ url: s.url });
    await client.createRun({ id: 'resend', project: 'p' });
    ids = (
      await client.defineSeries(
        'resend',
        [0, 1, 2, 3, 4, 5].map((i) => ({ name: `s/${i}` })),
      )
    ).map((x) => x.id);
  });
  afterAll(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const values = async (id: number) => {
    await s.store.flush();
    return [...(await client.points({ series: [id] })).value];
  };

  test('a resent overlapping batch stores nothing twice', async () => {
    const id = ids[0] as number;
    expect(await client.ingest(span(id, 0, 10), { start: { [id]: 0 } })).toEqual({
      accepted: 10,
      skipped: 0,
      next: { [id]: 10 },
    });
    // the writer lost the answer and resends 5..14: 5..9 are held already
    expect(await client.ingest(span(id, 5, 15), { start: { [id]: 5 } })).toEqual({
      accepted: 5,
      skipped: 5,
      next: { [id]: 15 },
    });
    // the same batch again, before and after a flush
    expect((await client.ingest(span(id, 5, 15), { start: { [id]: 5 } })).accepted).toBe(0);
    await s.store.flush();
    expect(await client.ingest(span(id, 0, 15), { start: { [id]: 0 } })).toEqual({
      accepted: 0,
      skipped: 15,
      next: { [id]: 15 },
    });
    expect(await values(id)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  test('a gap is refused with 409 ingest_gap and the expected positions; nothing of the batch is stored', async () => {
    const [a, b] = [ids[1] as number, ids[2] as number];
    await client.ingest(span(a, 0, 3), { start: { [a]: 0 } });
    const both = { series: [...span(b, 0, 2).series, ...span(a, 5, 7).series], value: [0, 1, 5, 6] };
    const err = await client.ingest(both, { start: { [b]: 0, [a]: 5 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiRequestError);
    expect(err).toMatchObject({ status: 409, code: 'ingest_gap', field: 'start', expected: { [a]: 3 } });
    expect(await values(a)).toEqual([0, 1, 2]);
    expect(await values(b)).toEqual([]);
    expect(s.server.stats().rejections['ingest_gap']).toBe(1);
  });

  test('concurrent resends of one batch land once; writers of other series are unaffected', async () => {
    const [dup, w1, w2] = [ids[3] as number, ids[4] as number, ids[5] as number];
    const sends: Promise<unknown>[] = [];
    for (let k = 0; k < 20; k++) {
      // 20 copies of batch k of the duplicated series in flight at once, among two plain writers
      for (let copy = 0; copy < 3; copy++)
        sends.push(client.ingest(span(dup, k * 50, k * 50 + 50), { start: { [dup]: k * 50 } }));
      sends.push(client.ingest(span(w1, k * 50, k * 50 + 50)));
      sends.push(client.ingest(span(w2, k * 50, k * 50 + 50), { start: { [w2]: k * 50 } }));
    }
    const results = await Promise.allSettled(sends);
    // A copy may arrive ahead of its predecessor batch: that is a gap, refused, to be resent.
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'ingest_gap' });
    const expected = Array.from({ length: 1000 }, (_, i) => i);
    expect(await values(w1)).toEqual(expected);
    const w2Held = await values(w2);
    expect(w2Held).toEqual(expected.slice(0, w2Held.length));
    const held = await values(dup);
    expect(held).toEqual(expected.slice(0, held.length));
    // resend everything from the start, as a writer would after an outage: completes without doubles
    expect(await client.ingest(span(dup, 0, 1000), { start: { [dup]: 0 } })).toMatchObject({
      accepted: 1000 - held.length,
      skipped: held.length,
    });
    await client.ingest(span(w2, 0, 1000), { start: { [w2]: 0 } });
    expect(await values(dup)).toEqual(expected);
    expect(await values(w2)).toEqual(expected);
  });

  test('Arrow bodies carry start in the schema metadata key trainscope.start', async () => {
    const id = ids[0] as number; // holds 0..14
    const table = makeTable({
      series: new Uint32Array(10).fill(id),
      x: Float64Array.from({ length: 10 }, (_, i) => 10 + i),
      value: Float64Array.from({ length: 10 }, (_, i) => 10 + i),
    });
    expect(await client.ingestArrow(table, { start: { [id]: 10 } })).toEqual({
      accepted: 5,
      skipped: 5,
      next: { [id]: 20 },
    });
    const gap = await client.ingestArrow(table, { start: { [id]: 25 } }).catch((e: unknown) => e);
    expect(gap).toMatchObject({ status: 409, code: 'ingest_gap', expected: { [id]: 20 } });
    expect(await values(id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('a malformed start map is a 400 naming the field', async () => {
    const id = ids[0] as number;
    for (const start of [{ [id]: -1 }, { [id]: 'NaN' }, { x: 1 }, [1], { [id]: 1.5 }]) {
      const res = await api(`${s.url}/api/v1/ingest/points`, {
        method: 'POST',
        json: { series: [id], value: [1], start },
      });
      expect([res.status, (res.body as { error: { code: string; field?: string } }).error]).toEqual([
        400,
        expect.objectContaining({ code: 'invalid_request', field: expect.stringMatching(/start/) }),
      ]);
    }
  });
});

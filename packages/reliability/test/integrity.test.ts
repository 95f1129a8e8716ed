import { DuckDBInstance } from '@duckdb/node-api';
import { DB_FILE, Store } from '@trainscope/core';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegrity } from '../src/integrity.js';
import { makeTempDir } from '../src/temp-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A closed store with one series of points 0..n-1 (x = value = n), as the crash writer leaves. */
async function storeOfN(n: number): Promise<string> {
  const dir = makeTempDir('integrity');
  cleanups.push(() => dir.remove());
  const store = await Store.open({ dir: dir.path });
  const run = await store.createRun();
  await store.openRun(run.id);
  const id = store.defineSeries(run.id, { name: 'n' }).id;
  const xs = Float64Array.from({ length: n }, (_, i) => i);
  store.ingestor.ingest({ length: n, series: new Uint32Array(n).fill(id), x: xs, time: xs, value: xs });
  await store.close();
  return dir.path;
}

async function sql(dir: string, statement: string): Promise<void> {
  const instance = await DuckDBInstance.create(`${dir}/${DB_FILE}`);
  const connection = await instance.connect();
  try {
    await connection.run(statement);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('integrity check', () => {
  it('passes a consistent store, whole or from a point number', async () => {
    const dir = await storeOfN(1000);
    expect((await checkIntegrity(dir, { valueIsN: true })).problems).toEqual([]);
    expect((await checkIntegrity(dir, { valueIsN: true, fromN: 600 })).problems).toEqual([]);
  });

  it('finds a point stored twice in place of another, before fromN as well as after', async () => {
    const dir = await storeOfN(1000);
    // Point 7 renumbered 5: the count, the first and last n, the stats and the levels all stay.
    await sql(dir, 'UPDATE points SET n = 5 WHERE n = 7');
    const whole = await checkIntegrity(dir, { valueIsN: true });
    expect(whole.problems.some((p) => p.includes('holds point n=5 2 times'))).toBe(true);
    const partial = await checkIntegrity(dir, { valueIsN: true, fromN: 600 });
    expect(partial.problems.some((p) => p.includes('holds point n=5'))).toBe(false);
    expect(partial.problems).toEqual([expect.stringContaining('are not each stored once')]);
  });
});

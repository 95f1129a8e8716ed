import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach } from 'vitest';
import { Store, type StoreOptions } from '../src/index.js';

const dirs: string[] = [];
const stores: Store[] = [];

/** A fresh temp directory, removed after the test. */
export function tempDir(prefix = 'trainscope-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Opens a store in a fresh temp directory; closed and removed after the test. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const store = await Store.open({ dir: tempDir(), flushIntervalMs: 50, ...options });
  stores.push(store);
  return store;
}

/** Columns of a batch from plain arrays. */
export function batchOf(series: number[], x: number[], value: number[], time?: number[]) {
  const n = series.length;
  return {
    length: n,
    series: Uint32Array.from(series),
    x: Float64Array.from(x),
    time: Float64Array.from(time ?? series.map((_, i) => 1_700_000_000_000 + i)),
    value: Float64Array.from(value),
  };
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Rows of a query on a store file opened read-only on its own (no Store), as numbers. */
export async function readRows(file: string, sql: string): Promise<number[][]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRows().map((r) => r.map(Number));
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

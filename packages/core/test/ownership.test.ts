import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DB_FILE,
  OWNER_FILE,
  readOwner,
  resolveStoreDir,
  SCHEMA_VERSION,
  SchemaVersionError,
  Store,
  StoreCorruptError,
  StoreLockedError,
  StoreUnwritableError,
} from '../src/index.js';
import { tempDir } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function holdStore(dir: string): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./fixtures/hold-store.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', script, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

describe('one writer per store', () => {
  it('a second process gets StoreLockedError naming the store and the owner pid', async () => {
    const dir = tempDir();
    const holder = await holdStore(dir);
    const error = await Store.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as StoreLockedError).pid).toBe(holder.pid);
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).toContain(`pid ${holder.pid}`);
    holder.stdin?.end();
    await new Promise((r) => holder.once('exit', r));
    const store = await Store.open({ dir });
    await store.close();
  });

  it('takes over a store whose owner died without cleaning up', async () => {
    const dir = tempDir();
    const holder = await holdStore(dir);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(readOwner(dir)?.pid).toBe(holder.pid);
    const store = await Store.open({ dir });
    expect(readOwner(dir)?.pid).toBe(process.pid);
    await store.close();
    expect(readOwner(dir)).toBeUndefined();
  });

  it('resolves the directory from the option, then TRAINSCOPE_DIR, then ./.trainscope', () => {
    expect(resolveStoreDir('/tmp/a', { TRAINSCOPE_DIR: '/tmp/b' })).toBe('/tmp/a');
    expect(resolveStoreDir(undefined, { TRAINSCOPE_DIR: '/tmp/b' })).toBe('/tmp/b');
    expect(resolveStoreDir(undefined, {})).toBe(join(process.cwd(), '.trainscope'));
  });
});

describe('stores that cannot be opened', () => {
  it('a directory that cannot be created is StoreUnwritableError', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    await expect(Store.open({ dir: join(dir, 'file', 'store') })).rejects.toThrow(StoreUnwritableError);
  });

  it('a corrupt database file is StoreCorruptError and is left as it was', async () => {
    const dir = tempDir();
    const garbage = Buffer.from('this is not a duckdb file '.repeat(500));
    writeFileSync(join(dir, DB_FILE), garbage);
    const error = await Store.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as Error).message).toContain(join(dir, DB_FILE));
    expect(readFileSync(join(dir, DB_FILE)).equals(garbage)).toBe(true);
    expect(readOwner(dir)).toBeUndefined();
  });

  it('a store from a newer schema is SchemaVersionError and its data is untouched', async () => {
    const dir = tempDir();
    const store = await Store.open({ dir });
    const run = await store.createRun({ name: 'keep me' });
    await store.close();
    const db = await DuckDBInstance.create(join(dir, DB_FILE));
    const c = await db.connect();
    await c.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    c.closeSync();
    db.closeSync();
    const error = await Store.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect((error as Error).message).toMatch(new RegExp(`schema version 99.*up to ${SCHEMA_VERSION}`));
    const again = await DuckDBInstance.create(join(dir, DB_FILE));
    const c2 = await again.connect();
    const rows = (await c2.runAndReadAll('SELECT name FROM runs WHERE id = ?', [run.id])).getRows();
    expect(rows).toEqual([['keep me']]);
    c2.closeSync();
    again.closeSync();
    expect(readOwner(dir)).toBeUndefined();
    expect(OWNER_FILE).toBe('owner.json');
  });
});

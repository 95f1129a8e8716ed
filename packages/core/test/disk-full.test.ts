import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../src/index.js';
import { batchOf, tempDir } from './helpers.js';

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN). */
function canMount(): boolean {
  const probe = join(tempDir(), 'probe');
  mkdirSync(probe);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
});

/** Writes a filler file until the filesystem is full. */
function fill(path: string): void {
  const fd = openSync(path, 'a');
  const block = Buffer.alloc(1 << 16, 7);
  try {
    for (;;) writeSync(fd, block);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!canMount())('a store whose disk fills up (a small tmpfs)', () => {
  it.each([
    ['large flushes (written straight to the file)', 50_000],
    ['small flushes (through the write-ahead log and its checkpoints)', 200],
  ])(
    '%s: reports the failure, keeps the points, and writes each once when space returns',
    async (_, N) => {
      const mnt = join(tempDir(), 'mnt');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', mnt]);
      mounts.push(mnt);
      const errors: string[] = [];
      let resumed = 0;
      const store = await Store.open({
        dir: join(mnt, 'store'),
        flushIntervalMs: 50,
        onWriteError: (e) => errors.push(String((e as Error).message)),
        onWriteResumed: () => resumed++,
      });
      try {
        const run = await store.createRun();
        await store.openRun(run.id);
        const a = store.defineSeries(run.id, { name: 'a' }).id;
        const round = (r: number) => {
          const xs = Array.from({ length: N }, (_, i) => r * N + i);
          store.ingestor.ingest(batchOf(new Array(N).fill(a), xs, xs));
        };
        round(0);
        await store.flush();
        fill(join(mnt, 'filler'));
        // Written while the disk is full: several rounds, new series and log lines among them.
        for (let r = 1; r <= 6; r++) {
          round(r);
          await store.flush().catch(() => {});
        }
        const b = store.defineSeries(run.id, { name: 'b' }).id;
        store.ingestor.ingest(batchOf([b], [1], [2]));
        store.appendLogs(run.id, [{ text: 'written while full' }]);
        await expect(store.flush()).rejects.toThrow();
        for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(errors.length).toBeGreaterThan(0);
        rmSync(join(mnt, 'filler'));
        // the store retries on its own timer; wait until it has caught up
        for (let i = 0; i < 600 && store.ingestor.committed < store.ingestor.accepted; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        await store.flush();
        expect(resumed).toBeGreaterThan(0);
        const [sa, sb] = await store.summaries([a, b]);
        expect(sa?.count).toBe(7 * N);
        expect(sb?.count).toBe(1);
        const points = await store.readPoints({ series: [a], by: 'n', limit: 7 * N });
        expect(points.length).toBe(7 * N);
        expect(points.x.every((x, i) => x === i)).toBe(true);
        expect((await store.readLogs(run.id, { limit: 10 })).map((l) => l.text)).toEqual(['written while full']);
      } finally {
        await store.close();
      }
      // and the file reopens with the same figures
      const again = await Store.open({ dir: join(mnt, 'store') });
      try {
        const [run] = await again.listRuns();
        const series = await again.listSeries(run?.id as string);
        expect((await again.summaries(series.map((s) => s.id))).map((s) => s.count)).toEqual([7 * N, 1]);
      } finally {
        await again.close();
      }
    },
    120_000,
  );
});

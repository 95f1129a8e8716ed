import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobTree } from '../src/job-tree.js';
import { Rejections } from '../src/rejections.js';
import { startJob, stopJob } from './helpers/job-process.js';
import { waitFor } from './helpers/recording-context.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

describe('JobTree on real processes', () => {
  it('finds the whole tree, adds up its CPU time and resident memory, and sees the root exit', async () => {
    const root = await startJob(2, 32);
    const pid = root.pid as number;
    const kids = childrenOf(pid);
    cleanups.push(() => stopJob(root, kids));
    expect(kids).toHaveLength(2);

    const tree = new JobTree(pid, '/proc', new Rejections('test'), 1);
    const first = tree.sample();
    expect(first).toMatchObject({ alive: true, processes: 3, ticks: 0 });
    // two children each touched 32 MiB
    expect((first?.rssPages ?? 0) * 4096).toBeGreaterThan(2 * 32 * 1048576);

    let ticks = 0;
    await waitFor(() => {
      ticks += tree.sample()?.ticks ?? 0;
      return ticks >= 20;
    }, 'the busy children to use 0.2 s of CPU');

    root.kill('SIGKILL');
    await waitFor(() => tree.sample()?.alive === false, 'the root to be seen gone');
    expect(tree.ended).toBe(true);
    expect(tree.sample()).toEqual({ alive: false, ticks: 0, rssPages: 0, processes: 0 });
  });

  it('ends at once for a pid that does not exist', () => {
    const rejections = new Rejections('test');
    const tree = new JobTree(0x3ffffff0, '/proc', rejections, 1);
    expect(tree.sample()?.alive).toBe(false);
    expect(rejections.total).toBe(0);
  });

  it('skips a sample whose root stat is garbled, without ending the job', () => {
    const procRoot = mkdtempSync(join(tmpdir(), 'trainscope-tree-'));
    try {
      mkdirSync(join(procRoot, '42', 'task', '42'), { recursive: true });
      writeFileSync(join(procRoot, '42', 'task', '42', 'children'), '');
      writeFileSync(join(procRoot, '42', 'stat'), '42 (python) R x y garbage');
      const rejections = new Rejections('test');
      const tree = new JobTree(42, procRoot, rejections, 1);
      expect(tree.sample()).toBeUndefined();
      expect(tree.ended).toBe(false);
      writeFileSync(
        join(procRoot, '42', 'stat'),
        '42 (python) R 1 42 42 0 -1 0 0 0 0 0 700 300 0 0 20 0 1 0 99 1000 256 0',
      );
      expect(tree.sample()).toEqual({ alive: true, ticks: 0, rssPages: 256, processes: 1 });
      expect(Object.fromEntries(rejections.counts)).toEqual({ pid_stat_malformed: 1 });
    } finally {
      rmSync(procRoot, { recursive: true, force: true });
    }
  });
});

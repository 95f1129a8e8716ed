import { Store } from '@trainscope/core';
import { describe, expect, it } from 'vitest';
import { demoScript, spawnCli, tempDir } from './helpers.js';

describe('two trainscope run at once on one store', () => {
  it('both record everything: the second writes through the first one API, which serves until both end', async () => {
    const dir = tempDir();
    const a = spawnCli(
      ['--dir', dir, 'run', '--project', 'p', '--name', 'a', '--no-gpu', '--', process.execPath, demoScript],
      {
        DEMO_EPOCHS: '2',
        DEMO_STEPS: '40',
        DEMO_STEP_MS: '25',
      },
    );
    await new Promise<void>((resolve) => {
      a.child.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('dashboard http')) resolve();
      });
    });
    const b = spawnCli(
      ['--dir', dir, 'run', '--project', 'p', '--name', 'b', '--no-gpu', '--', process.execPath, demoScript],
      {
        DEMO_EPOCHS: '3',
        DEMO_STEPS: '40',
        DEMO_STEP_MS: '25',
      },
    );
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    expect(rb.stderr).not.toMatch(/lock|Conflicting/i);
    const store = await Store.open({ dir });
    try {
      const runs = await store.listRuns();
      expect(runs.map((r) => [r.name, r.status]).sort()).toEqual([
        ['a', 'completed'],
        ['b', 'completed'],
      ]);
      for (const [name, epochs] of [
        ['a', 2],
        ['b', 3],
      ] as const) {
        const run = runs.find((r) => r.name === name) as { id: string };
        const series = await store.listSeries(run.id);
        const byName = new Map(series.map((s) => [s.name, s.id]));
        const [loss, samples, lr] = await store.summaries([
          byName.get('loss') as number,
          byName.get('samples_processed') as number,
          byName.get('learning_rate') as number,
        ]);
        expect(loss?.count, name).toBe(epochs);
        expect(lr?.count, name).toBe(epochs);
        expect(samples?.last, name).toBe(epochs * 40 * 32);
        expect(byName.has('cpu/usage_cores')).toBe(true);
        const logs = await store.readLogs(run.id, { limit: 10_000 });
        expect(logs.some((l) => l.text.includes(`Epoch ${epochs}/${epochs}`))).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});

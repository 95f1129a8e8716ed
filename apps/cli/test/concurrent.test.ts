import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LivePoints, TrainscopeClient } from '@trainscope/client';
import { Store } from '@trainscope/core';
import { describe, expect, it } from 'vitest';
import { demoScript, freePort, spawnCli, tempDir } from './helpers.js';

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
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
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

describe('two trainscope run at once, watched live', () => {
  it('the first run serves both as running, and its live stream carries points of both while they run', async () => {
    const dir = tempDir();
    const stop = join(tempDir(), 'stop');
    // Each child prints a point every 30 ms until the test creates the stop file: both are still
    // running for as long as the test looks, however slow the machine.
    const a = runUntil(dir, 'live-a', stop);
    const url = await a.dashboardUrl;
    const b = runUntil(dir, 'live-b', stop);
    try {
      const client = new TrainscopeClient({ url });
      const deadline = Date.now() + 60_000;
      let runs: { name: string; status: string; id: string }[] = [];
      while (Date.now() < deadline) {
        runs = (await client.runs()).filter((r) => r.name === 'live-a' || r.name === 'live-b');
        if (runs.length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(runs.map((r) => [r.name, r.status]).sort()).toEqual([
        ['live-a', 'running'],
        ['live-b', 'running'],
      ]);
      // The viewer's path: one WebSocket subscription to both runs, every series from its start.
      const values = new Map<number, number[]>();
      const runOf = new Map<number, string>();
      const live = client.live({
        runs: runs.map((r) => r.id),
        encoding: 'binary',
        onPoints: (batches: LivePoints[]) => {
          for (const p of batches) {
            runOf.set(p.seriesId, p.runId);
            values.set(p.seriesId, [...(values.get(p.seriesId) ?? []), ...p.value]);
          }
        },
      });
      // The metric the children print (system series arrive too), by run.
      const seriesOf = new Map<string, number>();
      const printed = (runId: string) => values.get(seriesOf.get(runId) ?? -1) ?? [];
      try {
        await live.ready();
        while (Date.now() < deadline) {
          for (const r of runs) {
            if (!seriesOf.has(r.id)) {
              const m = (await client.series(r.id)).find((s) => s.name === 'm');
              if (m) seriesOf.set(r.id, m.id);
            }
          }
          if (runs.every((r) => printed(r.id).length >= 5)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        // Still running (the stop file does not exist yet): these points arrived live.
        expect(existsSync(stop)).toBe(false);
        for (const r of runs) {
          const got = printed(r.id);
          expect(runOf.get(seriesOf.get(r.id) ?? -1), r.name).toBe(r.id);
          expect(got.length, r.name).toBeGreaterThanOrEqual(5);
          // Each point once and in order: the child printed 0, 1, 2, ...
          expect(got.slice(0, 5), r.name).toEqual([0, 1, 2, 3, 4]);
        }
        const current = await client.runs();
        expect(current.filter((r) => seriesOf.has(r.id)).map((r) => r.status)).toEqual(['running', 'running']);
      } finally {
        live.close();
      }
    } finally {
      writeFileSync(stop, '');
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
  });
});

describe('trainscope run writing through a server that restarts', () => {
  it('buffers while the owner is down and delivers every point once when it is back', async () => {
    const dir = tempDir();
    const port = await freePort();
    const first = serveStore(dir, port);
    await first.ready;
    const run = runPrinter(dir, 'through-restart', 150, 0.5);
    await run.printedAtLeast(30);
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    await new Promise((r) => setTimeout(r, 600));
    const second = serveStore(dir, port);
    await second.ready;
    expect((await run.done).code).toBe(0);
    second.child.kill('SIGTERM');
    await second.done;
    const stored = await storedPoints(dir, 'through-restart');
    expect(stored.status).toBe('completed');
    expect(stored.x).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(stored.value).toEqual(Array.from({ length: 150 }, (_, i) => i * 0.5));
  });
});

describe('trainscope run whose store owner ends for good', () => {
  it('takes the store over after a while and records every point once', async () => {
    const dir = tempDir();
    const served = serveStore(dir);
    await served.ready;
    const run = runPrinter(dir, 'orphan', 100, 1);
    await run.printedAtLeast(20);
    served.child.kill('SIGTERM');
    expect((await served.done).code).toBe(0);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/this run now owns/);
    const stored = await storedPoints(dir, 'orphan');
    expect(stored.status).toBe('completed');
    expect(stored.value).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

/** `trainscope serve` on a store, with a promise of its "serving" line. */
function serveStore(dir: string, port = 0) {
  const s = spawnCli(['--dir', dir, 'serve', '--port', String(port)]);
  const ready = new Promise<void>((resolve) => {
    s.child.stderr?.on('data', (d: Buffer) => {
      if (d.toString().includes('serving')) resolve();
    });
  });
  return { ...s, ready };
}

/** `trainscope run` of a script printing `count` JSON lines of metric m (value = step * scale), 20 ms apart. */
function runPrinter(dir: string, name: string, count: number, scale: number) {
  const script = `let i = 0; const t = setInterval(() => { console.log(JSON.stringify({ metric: "m", value: i * ${scale}, step: i })); if (++i === ${count}) clearInterval(t); }, 20);`;
  const run = spawnCli(['--dir', dir, 'run', '--name', name, '--no-gpu', '--', process.execPath, '-e', script]);
  let printed = 0;
  run.child.stdout?.on('data', (d: Buffer) => {
    printed += d.toString().split('\n').filter(Boolean).length;
  });
  const printedAtLeast = async (n: number) => {
    while (printed < n) await new Promise((r) => setTimeout(r, 20));
  };
  return { ...run, printedAtLeast };
}

/** The points of series m of the named run, by position. */
async function storedPoints(dir: string, name: string) {
  const store = await Store.open({ dir });
  try {
    const [r] = await store.listRuns({ name });
    const [m] = (await store.listSeries(r?.id as string)).filter((s) => s.name === 'm');
    const points = await store.readPoints({ series: [m?.id as number], by: 'n', limit: 1000 });
    return { status: r?.status, x: Array.from(points.x), value: Array.from(points.value) };
  } finally {
    await store.close();
  }
}

/** `trainscope run` of a child printing metric m = 0, 1, 2, ... every 30 ms until `stop` exists. */
function runUntil(dir: string, name: string, stop: string) {
  const script = `const fs = require('node:fs'); let i = 0; const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(stop)})) { clearInterval(t); return; } console.log(JSON.stringify({ metric: 'm', value: i, step: i })); i++; }, 30);`;
  const run = spawnCli(['--dir', dir, 'run', '--name', name, '--no-gpu', '--', process.execPath, '-e', script]);
  const dashboardUrl = new Promise<string>((resolve, reject) => {
    let stderr = '';
    run.child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const url = / dashboard (http:\/\/[^/\s]+)/.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    run.done.then((r) => reject(new Error(`run ${name} ended before serving: ${r.stderr}`)));
  });
  return { ...run, dashboardUrl };
}

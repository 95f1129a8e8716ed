import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stdoutPlugin } from '../src/index.js';
import { fixtureJson } from './helpers/recording-sink.js';
import { openStoreRun, storedPoints } from './helpers/store-run.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A real child process that writes a fixture to stdout in small pieces and text to stderr. */
function child(stdoutFixture: string, stderrText: string) {
  const script = `
    const fs = require('node:fs');
    const bytes = fs.readFileSync(${JSON.stringify(join(fixtures, stdoutFixture))});
    for (let i = 0; i < bytes.length; i += 997) fs.writeSync(1, bytes.subarray(i, i + 997));
    fs.writeSync(2, ${JSON.stringify(stderrText)});
    fs.writeSync(1, '{"metric": "final_score", "value": 0.91}\\n{"metric": "final_score", "value": "n/a"}\\nbye');
  `;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('stdoutPlugin with a real child process and a real store', () => {
  it('stores Keras epoch values, JSON metric points and every output line', async () => {
    const { store, context, close } = await openStoreRun();
    cleanups.push(close);
    const proc = child('keras/keras2-verbose1.txt', 'W0000 some warning\n{"metric": "stderr_metric", "value": 3}\n');
    const plugin = stdoutPlugin({ stdout: proc.stdout, stderr: proc.stderr, batchIntervalMs: 0 });
    await plugin.start(context);
    await plugin.drained();
    await plugin.stop();
    await store.flush();

    const points = await storedPoints(store, context.run.id);
    const expected = fixtureJson<[string, number, number][]>('keras/keras2-verbose1.expected.json');
    for (const name of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      expect(points.get(name), name).toEqual(expected.filter(([n]) => n === name).map(([, x, v]) => [x, v]));
    }
    expect(points.get('final_score')).toEqual([[null, 0.91]]);
    expect(points.get('stderr_metric')).toEqual([[null, 3]]);
    const batchSteps = (points.get('batch/loss') ?? []).map(([x]) => x as number);
    expect(batchSteps.length).toBeGreaterThan(10);
    expect(batchSteps).toEqual([...batchSteps].sort((a, b) => a - b));

    const series = await store.listSeries(context.run.id);
    const loss = series.find((s) => s.name === 'loss');
    expect(loss).toMatchObject({ kind: 'training', xScale: { name: 'epoch' } });
    expect(series.find((s) => s.name === 'batch/loss')).toMatchObject({ xScale: { name: 'step' } });

    const logs = await store.readLogs(context.run.id, { limit: 100 });
    const stdout = logs.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(stdout[0]).toBe('Epoch 1/3');
    expect(stdout.at(-1)).toBe('bye');
    expect(stdout).toHaveLength(3 * 2 + 3);
    expect(logs.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual([
      'W0000 some warning',
      '{"metric": "stderr_metric", "value": 3}',
    ]);
    const warnings = logs.filter((l) => l.stream === 'system');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'warn',
      metadata: { reason: 'non_numeric_value', name: 'final_score' },
    });
    expect(plugin.stats()).toMatchObject({ rejected: { non_numeric_value: 1 } });
  });

  it('hands each chunk over as one batch, not one call per point', async () => {
    const { context, close } = await openStoreRun();
    cleanups.push(close);
    const sizes: number[] = [];
    const plugin = stdoutPlugin({ logLines: false });
    await plugin.start({ ...context, ingest: (batch) => sizes.push(batch.length) });
    plugin.write(Array.from({ length: 500 }, (_, i) => `{"metric": "m", "value": ${i}}\n`).join(''), 'stdout');
    plugin.write('{"metric": "m", "value": 500}\n', 'stdout');
    await plugin.stop();
    expect(sizes).toEqual([500, 1]);
  });

  it('reads streams attached after start, and stops reading at stop()', async () => {
    const { context, close } = await openStoreRun();
    cleanups.push(close);
    const logged: string[] = [];
    const plugin = stdoutPlugin();
    await plugin.start({ ...context, log: (line) => logged.push(line.text) });
    const proc = spawn(process.execPath, ['-e', 'process.stdout.write("late line\\n"); setTimeout(() => {}, 200)']);
    plugin.attach(proc.stdout, 'stdout');
    await new Promise((resolve) => proc.stdout.once('data', resolve));
    await plugin.stop();
    await new Promise((resolve) => proc.once('exit', resolve));
    expect(logged).toEqual(['late line']);
    expect(() => stdoutPlugin().write('x', 'stdout')).toThrow(/before start/);
  });
});

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, storeView, tempDir } from './helpers.js';

const example = fileURLToPath(new URL('../../../examples/train.ts', import.meta.url));

/** `trainscope run` of the TypeScript example in a store directory, with the example's options. */
const runExample = (dir: string, ...options: string[]) =>
  runCli([
    '--dir',
    dir,
    'run',
    '--project',
    'examples',
    '--no-gpu',
    '--',
    process.execPath,
    '--import',
    'tsx',
    example,
    ...options,
  ]);

describe('trainscope run -- node examples/train.ts (the TypeScript SDK example)', () => {
  it('joins the run the CLI made: SDK metrics, params and log lines land in it, the CLI records the exit', async () => {
    const dir = tempDir();
    const result = await runExample(dir, '--epochs', '2', '--batches', '10');
    expect(result.code, result.stderr).toBe(0);
    const { run, byName, logs } = await storeView(dir);
    // one run: the one `trainscope run` created, which the SDK joined
    expect(run).toMatchObject({ project: 'examples', status: 'completed', exitCode: 0 });
    expect(run.params).toMatchObject({ 'optimizer.name': 'adam', batch_size: 32 });
    expect(byName.get('batch/loss')).toMatchObject({ count: 20, lastX: 20 });
    // Coflux metrics are throttled to 10 values/s: the last value of a window is kept
    expect(byName.get('epoch/loss')?.count).toBeGreaterThanOrEqual(1);
    expect(byName.get('cpu/usage_cores')?.count).toBeGreaterThan(0);
    expect(logs.some((l) => l.text === 'Starting training')).toBe(true);
  });

  it('a thrown error fails the run with its message', async () => {
    const dir = tempDir();
    const result = await runExample(dir, '--epochs', '3', '--batches', '5', '--fail-at', '1');
    expect(result.code).toBe(1);
    const { run } = await storeView(dir);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toContain('loss diverged at epoch 1');
  });
});

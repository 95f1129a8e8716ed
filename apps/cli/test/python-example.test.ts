import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, storeView, tempDir } from './helpers.js';

const example = fileURLToPath(new URL('../../../examples/train.py', import.meta.url));

function python(): string | null {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return 'python3';
  } catch {
    return null;
  }
}

const py = python();

describe.skipIf(py === null)('trainscope run -- python3 examples/train.py', () => {
  it('stores the JSON lines, the Keras-style epoch values and every statsd packet of a standard-library script', async () => {
    const dir = tempDir();
    const result = await runCli(['--dir', dir, 'run', '--project', 'examples', '--', py as string, example], {
      EPOCHS: '3',
      STEPS: '40',
      STEP_SECONDS: '0.002',
    });
    expect(result.stderr).toContain('done');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Epoch 3/3');
    const { run, byName } = await storeView(dir);
    expect(run).toMatchObject({ project: 'examples', status: 'completed', exitCode: 0 });
    // one JSON line every 10 steps, at x = the global step
    expect(byName.get('batch_loss')).toMatchObject({ count: 12, lastX: 120 });
    expect(byName.get('learning_rate')).toMatchObject({ count: 3, lastX: 3 });
    expect(byName.get('learning_rate')?.last).toBeCloseTo(0.01 * 0.9 ** 3, 12);
    // epoch-end values of the verbose=2 lines, at x = epoch
    for (const name of ['loss', 'accuracy', 'val_loss']) expect(byName.get(name)).toMatchObject({ count: 3, lastX: 3 });
    // statsd: 3 epochs x 40 steps x 32 examples, nothing dropped on loopback
    expect(byName.get('examples_seen')?.last).toBe(3 * 40 * 32);
    expect(byName.get('lr')?.last).toBeCloseTo(0.01 * 0.9 ** 3, 6);
  });

  it('records a Python exception as a failed run with the traceback as its error', async () => {
    const dir = tempDir();
    const result = await runCli(['--dir', dir, 'run', '--', py as string, example], {
      EPOCHS: '3',
      STEPS: '20',
      STEP_SECONDS: '0',
      FAIL_AT_EPOCH: '2',
    });
    expect(result.code).toBe(1);
    const { run, byName } = await storeView(dir);
    expect(run.status).toBe('failed');
    expect(run.exitCode).toBe(1);
    expect(run.errorMessage).toContain('RuntimeError: simulated failure in epoch 2');
    // what the script printed before it failed is kept
    expect(byName.get('loss')).toMatchObject({ count: 1, lastX: 1 });
    expect(byName.get('batch_loss')?.count).toBe(3);
  });
});

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoScript, fixture, freePort, runCli, spawnCli, storeView, tempDir } from './helpers.js';

describe('trainscope run', () => {
  it('records Keras progress, JSON metric lines, statsd packets and system figures of the demo, and passes output through', async () => {
    const dir = tempDir();
    const result = await runCli(
      [
        '--dir',
        dir,
        'run',
        '--project',
        'demo',
        '--param',
        'lr=0.001',
        '--param',
        'opt=adam',
        '--tag',
        'ci',
        '--',
        process.execPath,
        demoScript,
      ],
      { DEMO_EPOCHS: '3', DEMO_STEPS: '30', DEMO_STEP_MS: '15' },
    );
    expect(result.code).toBe(0);
    // the link opens the run's page of the dashboard (apps/web routes #/run/<id>)
    const link = /trainscope: run (\w+) \(demo\/demo-\w+\) · dashboard http:\/\/127\.0\.0\.1:\d+\/#\/run\/(\w+)/.exec(
      result.stderr,
    );
    expect(link).not.toBeNull();
    expect(link?.[2]).toBe(link?.[1]);
    // passthrough is byte-exact: Keras redraws and colours reach the terminal unchanged
    expect(result.stdout).toContain('Epoch 3/3\n');
    expect(result.stdout).toContain('\r\x1b[1m30/30\x1b[0m');
    expect(result.stdout).toContain('{"metric":"learning_rate","value":0.001,"epoch":3}');
    const { run, byName, logs } = await storeView(dir);
    expect(run).toMatchObject({ project: 'demo', status: 'completed', exitCode: 0, tags: ['ci'] });
    expect(run.params).toMatchObject({ lr: 0.001, opt: 'adam' });
    expect(run.host.cpuCount).toBeGreaterThan(0);
    for (const name of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expect(byName.get(name)?.count).toBe(3);
    expect(byName.get('learning_rate')?.count).toBe(3);
    expect(byName.get('grad_norm')?.lastX).toBe(90);
    // every statsd increment arrives: 3 epochs x 30 steps x 32 samples
    expect(byName.get('samples_processed')?.last).toBe(3 * 30 * 32);
    expect(byName.get('batch_time/count')?.count).toBeGreaterThan(0);
    expect(byName.get('cpu/usage_cores')?.count).toBeGreaterThan(0);
    expect(byName.get('memory/usage_bytes')?.last).toBeGreaterThan(1_000_000);
    expect(logs.some((l) => l.stream === 'stdout' && l.text.includes('Epoch 2/3'))).toBe(true);
  });

  it('exits with the child exit code and records the failure with the last stderr lines', async () => {
    const dir = tempDir();
    const result = await runCli(['--dir', dir, 'run', '--', process.execPath, fixture('exit-with.mjs'), 'exit', '3']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ValueError: shapes (3,) and (4,) not aligned');
    const { run, byName } = await storeView(dir);
    expect(run).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(run.errorMessage).toContain('exited with code 3');
    expect(run.errorMessage).toContain('ValueError: shapes (3,) and (4,) not aligned');
    expect(byName.get('loss')).toMatchObject({ count: 2, last: 0.25, lastX: 2 });
  });

  it('reports a child killed by a signal as failed with 128 + the signal number', async () => {
    const dir = tempDir();
    const result = await runCli([
      '--dir',
      dir,
      'run',
      '--',
      process.execPath,
      fixture('exit-with.mjs'),
      'kill',
      'SIGKILL',
    ]);
    expect(result.code).toBe(137);
    const { run, byName } = await storeView(dir);
    expect(run).toMatchObject({ status: 'failed', exitCode: 137 });
    expect(run.errorMessage).toMatch(/killed by SIGKILL/);
    expect(byName.get('loss')?.count).toBe(2);
  });

  it('forwards SIGTERM to the child and records the run as stopped', async () => {
    const dir = tempDir();
    const { child, done } = spawnCli(['--dir', dir, 'run', '--', process.execPath, fixture('exit-with.mjs'), 'wait']);
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
    });
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('got SIGTERM, exiting');
    const { run } = await storeView(dir);
    expect(run).toMatchObject({ status: 'stopped', exitCode: 143 });
  });

  it('forwards Ctrl-C (SIGINT) to the child and records the run as stopped', async () => {
    const dir = tempDir();
    const { child, done } = spawnCli(['--dir', dir, 'run', '--', process.execPath, fixture('exit-with.mjs'), 'wait']);
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await done;
    // the child dies of the forwarded SIGINT (it handles only SIGTERM): 128 + 2
    expect(result).toMatchObject({ code: 130, signal: null });
    const { run } = await storeView(dir);
    expect(run).toMatchObject({ status: 'stopped', exitCode: 130, errorMessage: 'stopped by SIGINT' });
  });

  it('--port serves the dashboard on that port; --metric keeps only the declared statsd names', async () => {
    const dir = tempDir();
    const port = await freePort();
    const result = await runCli(
      [
        '--dir',
        dir,
        'run',
        '--port',
        String(port),
        '--metric',
        'samples_processed',
        '--no-gpu',
        '--',
        process.execPath,
        demoScript,
      ],
      { DEMO_EPOCHS: '1', DEMO_STEPS: '20', DEMO_STEP_MS: '5' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`dashboard http://127.0.0.1:${port}/#/run/`);
    const { byName } = await storeView(dir);
    expect(byName.get('samples_processed')?.last).toBe(20 * 32);
    // the demo also sends queue_depth (gauge) and batch_time (timer): undeclared, refused
    expect([...byName.keys()].filter((n) => n.startsWith('queue_depth') || n.startsWith('batch_time'))).toEqual([]);
    // stdout metrics are not statsd names: still recorded
    expect(byName.get('loss')?.count).toBe(1);
  });

  it('a command that cannot start is a clear error and a failed run, not a stack trace', async () => {
    const dir = tempDir();
    const result = await runCli(['--dir', dir, 'run', '--', 'no-such-command-trainscope']);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('trainscope: cannot start "no-such-command-trainscope": command not found');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const { run } = await storeView(dir);
    expect(run).toMatchObject({ status: 'failed', exitCode: 127 });
  });

  it('--help on every command prints its usage and exits 0', async () => {
    const commands = [
      [],
      ['run'],
      ['serve'],
      ['ls'],
      ['show'],
      ['export'],
      ['import'],
      ['statsd'],
      ['keys'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
    ];
    const results = await Promise.all(commands.map((c) => runCli([...c, '--help'])));
    for (const [i, c] of commands.entries()) {
      const { code, stdout } = results[i] as { code: number | null; stdout: string };
      expect(code, c.join(' ')).toBe(0);
      expect(stdout, c.join(' ')).toMatch(new RegExp(`^Usage: ${['trainscope', ...c].join(' ')} \\[options\\]`));
      expect(stdout, c.join(' ')).toContain('--help');
    }
  });

  it('bad usage exits 2 with a message', async () => {
    const dir = tempDir();
    expect((await runCli(['--dir', dir, 'run'])).code).toBe(2);
    const bad = await runCli(['--dir', dir, 'run', '--param', 'novalue', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--param expects key=value, got "novalue"');
    expect((await runCli(['--dir', dir, 'run', '--port', 'abc', '--', 'true'])).code).toBe(2);
    expect((await runCli(['--dir', dir, 'nope'])).code).toBe(2);
  });
});

describe('trainscope run --system-interval', () => {
  it('refuses what is not a positive number of seconds with exit 2, before starting anything', async () => {
    const dir = tempDir();
    const marker = join(tempDir(), 'started');
    const child = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`;
    for (const bad of ['0', '-1', 'abc', 'Infinity', ' ']) {
      const result = await runCli(['--dir', dir, 'run', '--system-interval', bad, '--', process.execPath, '-e', child]);
      expect(result.code, bad).toBe(2);
      expect(result.stderr, bad).toContain(
        `argument '${bad}' is invalid. --system-interval must be a positive number of seconds, such as 0.5 or 10.`,
      );
    }
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives the system sampler the interval: it says so in the run log', async () => {
    for (const [given, ms] of [
      ['2.5', 2500],
      [undefined, 1000],
    ] as const) {
      const dir = tempDir();
      const interval = given ? ['--system-interval', given] : [];
      const result = await runCli(['--dir', dir, 'run', '--no-gpu', ...interval, '--', process.execPath, '-e', '']);
      expect(result.code, result.stderr).toBe(0);
      const { logs } = await storeView(dir);
      const line = logs.find((l) => l.text.startsWith('system: sampling every'))?.text;
      expect(line, given).toMatch(
        new RegExp(`^system: sampling every 100 ms, storing mean/min/max every ${ms} ms for job pid \\d+;`),
      );
    }
  });
});

describe('trainscope ls and show', () => {
  it('list runs as a table and as JSON with snake_case keys, and summarise one run', async () => {
    const dir = tempDir();
    await runCli([
      '--dir',
      dir,
      'run',
      '--project',
      'p1',
      '--name',
      'first',
      '--',
      process.execPath,
      fixture('exit-with.mjs'),
      'exit',
      '0',
    ]);
    await runCli([
      '--dir',
      dir,
      'run',
      '--project',
      'p2',
      '--',
      process.execPath,
      fixture('exit-with.mjs'),
      'exit',
      '1',
    ]);
    const json = JSON.parse((await runCli(['--dir', dir, 'ls', '--json'])).stdout) as Record<string, unknown>[];
    expect(json).toHaveLength(2);
    expect(json.map((r) => r['status']).sort()).toEqual(['completed', 'failed']);
    const first = json.find((r) => r['name'] === 'first') as Record<string, unknown>;
    expect(first).toMatchObject({ project: 'p1', exit_code: 0, metrics: { loss: 0.25 } });
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(['id', 'name', 'project', 'status', 'exit_code', 'created_at']),
    );
    expect(new Date(first['created_at'] as string).toISOString()).toBe(first['created_at']);
    const onlyP2 = JSON.parse((await runCli(['--dir', dir, 'ls', '--project', 'p2', '--json'])).stdout) as unknown[];
    expect(onlyP2).toHaveLength(1);
    const table = await runCli(['--dir', dir, 'ls']);
    expect(table.stdout).toMatch(/^ID\s+PROJECT\s+NAME\s+STATUS/);
    expect(table.stdout).toContain('failed (1)');
    const show = await runCli(['--dir', dir, 'show', first['id'] as string]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^loss\s+2\s+0\.25\s+0\.25\s+0\.5\s+\S+/m);
    const missing = await runCli(['--dir', dir, 'show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No run with id "nope"');
  });
});

describe('--dir', () => {
  it('names the store before or after the command name', async () => {
    const dir = tempDir();
    const ran = await runCli(['run', '--dir', dir, '--name', 'after', '--no-gpu', '--', process.execPath, '-e', '0']);
    expect(ran.code).toBe(0);
    const listed = await runCli(['ls', '--dir', dir, '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'after', status: 'completed' }]);
    const before = await runCli(['--dir', dir, 'ls', '--json']);
    expect(before.stdout).toBe(listed.stdout);
  });
});

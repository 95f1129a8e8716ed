import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { demoScript, fixture, runCli, runCliWithFileLimit, spawnCli, storeWithSeries, tempDir } from './helpers.js';

async function pointsOf(dir: string, runId?: string) {
  const store = await Store.open({ dir });
  try {
    const run = runId ? await store.getRun(runId) : (await store.listRuns())[0];
    if (!run) throw new Error('no run');
    const out: Record<string, { x: number[]; v: number[] }> = {};
    for (const s of await store.listSeries(run.id)) {
      const page = await store.readPoints({ series: [s.id], by: 'n', limit: 1_000_000 });
      out[s.name] = { x: Array.from(page.x), v: Array.from(page.value) };
    }
    return { run, points: out };
  } finally {
    await store.close();
  }
}

describe('trainscope export and import', () => {
  it('round-trips a recorded run through the ml-dash layout at full resolution', async () => {
    const src = tempDir();
    const recorded = await runCli(
      ['--dir', src, 'run', '--project', 'rt', '--name', 'demo', '--no-gpu', '--', process.execPath, demoScript],
      {
        DEMO_EPOCHS: '2',
        DEMO_STEPS: '20',
        DEMO_STEP_MS: '5',
      },
    );
    expect(recorded.code).toBe(0);
    const before = await pointsOf(src);
    const out = tempDir();
    const exported = await runCli(['--dir', src, 'export', before.run.id, '--format', 'jsonl-mldash', '--out', out]);
    expect(exported.code).toBe(0);
    expect(existsSync(join(out, 'rt', 'demo', 'metrics', 'loss', 'data.jsonl'))).toBe(true);
    expect(readdirSync(out)).toEqual(['rt']);
    const dst = tempDir();
    const imported = await runCli(['--dir', dst, 'import', out, '--json']);
    expect(imported.code).toBe(0);
    const [info] = JSON.parse(imported.stdout) as { id: string }[];
    const after = await pointsOf(dst, info?.id);
    expect(after.run).toMatchObject({ project: 'rt', name: 'demo' });
    for (const name of ['loss', 'val_accuracy', 'learning_rate', 'samples_processed', 'cpu/usage_cores']) {
      expect(after.points[name], name).toEqual(before.points[name]);
    }
    expect(Object.keys(after.points).sort()).toEqual(Object.keys(before.points).sort());
  });

  it('writes CSV, Parquet and Arrow with every point, and leaves nothing behind on failure', async () => {
    const src = tempDir();
    await runCli(['--dir', src, 'run', '--no-gpu', '--', process.execPath, fixture('exit-with.mjs'), 'exit', '0']);
    const { run, points } = await pointsOf(src);
    const total = Object.values(points).reduce((n, p) => n + p.v.length, 0);
    const out = tempDir();
    const csv = join(out, 'run.csv');
    expect((await runCli(['--dir', src, 'export', run.id, '--format', 'csv', '--out', csv])).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('run_id,series,x,wall_time,value');
    expect(lines.length - 1).toBe(total);
    expect(lines).toContain(lines.find((l) => l.startsWith(`${run.id},loss,2.0,`) && l.endsWith(',0.25')));
    const again = await runCli(['--dir', src, 'export', run.id, '--format', 'csv', '--out', csv]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('pass --force');
    const arrow = join(out, 'run.arrow');
    expect((await runCli(['--dir', src, 'export', run.id, '--format', 'arrow', '--out', arrow])).code).toBe(0);
    const table = tableFromIPC(readFileSync(arrow));
    expect(table.numRows).toBe(total);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['run_id', 'series', 'x', 'x_given', 'wall_time', 'value']);
    const parquet = join(out, 'run.parquet');
    expect((await runCli(['--dir', src, 'export', run.id, '--format', 'parquet', '--out', parquet])).code).toBe(0);
    expect(readFileSync(parquet).subarray(0, 4).toString()).toBe('PAR1');
    const bad = await runCli(['--dir', src, 'export', 'nope', '--format', 'csv', '--out', join(out, 'x.csv')]);
    expect(bad.code).toBe(1);
    expect(existsSync(join(out, 'x.csv'))).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['run.arrow', 'run.csv', 'run.parquet']);
    expect((await runCli(['--dir', src, 'export', run.id, '--format', 'xml', '--out', csv])).code).toBe(2);
  });

  it('imports a JSON-lines file as a run and reports malformed lines without stopping', async () => {
    const dir = tempDir();
    const file = join(tempDir(), 'metrics.jsonl');
    writeFileSync(file, '{"step": 1, "loss": 0.9}\nnot json\n{"step": 2, "loss": 0.8, "acc": 0.5}\n');
    const result = await runCli(['--dir', dir, 'import', file, '--project', 'files']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/imported 3 points into run \w+ \(files\/metrics\) · 1 lines refused/);
    const { points } = await pointsOf(dir);
    expect(points['loss']).toEqual({ x: [1, 2], v: [0.9, 0.8] });
    expect((await runCli(['--dir', dir, 'import', join(dir, 'nope.jsonl')])).code).toBe(1);
  });

  it('an export that fails partway through writing exits 1 with the reason and leaves no file', async () => {
    const src = tempDir();
    // 20,000 points per series: every format writes well past the 64 KiB limit below.
    const runId = await storeWithSeries(src, { loss: 20_000, acc: 20_000 });
    const out = tempDir();
    for (const format of ['csv', 'parquet', 'arrow', 'jsonl-mldash']) {
      const target = join(out, `run-${format}`);
      const result = await runCliWithFileLimit(64, [
        '--dir',
        src,
        'export',
        runId,
        '--format',
        format,
        '--out',
        target,
      ]);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr, format).toMatch(
        new RegExp(`^trainscope: export of run ${runId} to ${target} failed: .*(File too large|EFBIG)`, 'm'),
      );
      expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
      expect(readdirSync(out), format).toEqual([]);
    }
    // Without the limit the same exports succeed, into a folder that does not exist yet as well.
    const fresh = join(out, 'fresh');
    expect((await runCli(['--dir', src, 'export', runId, '--format', 'jsonl-mldash', '--out', fresh])).code).toBe(0);
    expect(readdirSync(join(fresh, 'p', 'r', 'metrics')).sort()).toEqual(['acc', 'loss']);
  });

  it('an export that fails at the final step leaves what was there as it was and no staging folder', async () => {
    const src = tempDir();
    const runId = await storeWithSeries(src, { loss: 100 });
    const out = tempDir();
    const args = (target: string, ...more: string[]) => [
      '--dir',
      src,
      'export',
      runId,
      '--format',
      'jsonl-mldash',
      '--out',
      target,
      ...more,
    ];
    // The project folder's name is taken by a file: the layout is written, then cannot be moved in.
    const blocked = join(out, 'blocked');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'p'), 'not a folder');
    const failed = await runCli(args(blocked, '--force'));
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(`^trainscope: export of run ${runId} to ${blocked} failed: (EEXIST|ENOTDIR)`, 'm'),
    );
    expect(readdirSync(out)).toEqual(['blocked']);
    expect(readdirSync(blocked)).toEqual(['p']);
    expect(readFileSync(join(blocked, 'p'), 'utf8')).toBe('not a folder');
    // The experiment exists: refused after the layout was staged; with --force, replaced whole.
    const done = join(out, 'done');
    expect((await runCli(args(done))).code).toBe(0);
    writeFileSync(join(done, 'p', 'r', 'stale.txt'), 'from before');
    const again = await runCli(args(done));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${join(done, 'p', 'r')} exists; pass --force to replace it.`);
    expect(readdirSync(join(done, 'p', 'r')).sort()).toEqual([
      'experiment.json',
      'files',
      'logs',
      'metrics',
      'parameters.json',
      'stale.txt',
    ]);
    expect((await runCli(args(done, '--force'))).code).toBe(0);
    expect(readdirSync(join(done, 'p', 'r'))).not.toContain('stale.txt');
    expect(readdirSync(out).sort()).toEqual(['blocked', 'done']);
    // A one-file format refuses a directory at --out before writing anything, --force or not.
    for (const more of [[], ['--force']]) {
      const dirOut = await runCli(['--dir', src, 'export', runId, '--format', 'csv', '--out', done, ...more]);
      expect(dirOut.code).toBe(1);
      expect(dirOut.stderr).toContain(`--out ${done} is a directory; csv export writes one file`);
    }
    expect(readdirSync(out).sort()).toEqual(['blocked', 'done']);
  });

  it('an import that fails partway marks its run failed, never completed, and says so', async () => {
    const file = join(tempDir(), 'big.jsonl');
    let text = '';
    for (let i = 0; i < 150_000; i++) text += `${JSON.stringify({ step: i, loss: Math.sin(i), acc: Math.cos(i) })}\n`;
    writeFileSync(file, text);
    const dir = tempDir();
    // 300,000 points need several MB of store; the new store file starts near 1 MB.
    const result = await runCliWithFileLimit(2048, ['--dir', dir, 'import', file]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^trainscope: import failed: .*File too large.* \(run (\w+) is marked failed\)\.$/m);
    const store = await Store.open({ dir });
    try {
      const runs = await store.listRuns();
      expect(runs.map((r) => r.status)).toEqual(['failed']);
      expect(runs[0]?.errorMessage).toMatch(
        /^import failed: .*File too large.*; the run holds only part of the source$/,
      );
    } finally {
      await store.close();
    }
  });

  it('an import interrupted by Ctrl-C marks its run stopped and exits 130', async () => {
    const dir = tempDir();
    const fifo = join(tempDir(), 'live.jsonl');
    execFileSync('mkfifo', [fifo]);
    const imp = spawnCli(['--dir', dir, 'import', fifo]);
    // Opening a FIFO for writing waits for its reader: the run exists once this resolves.
    const writer = await Promise.race([
      open(fifo, 'w'),
      imp.done.then((r) => {
        throw new Error(`import ended before reading: ${r.stderr}`);
      }),
    ]);
    await writer.write('{"step": 1, "loss": 0.5}\n');
    let stderr = '';
    imp.child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    imp.child.kill('SIGINT');
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('SIGINT: stopping the import') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await writer.close();
    const result = await imp.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^trainscope: import interrupted by SIGINT \(run \w+ is marked stopped\)\.$/m);
    const store = await Store.open({ dir });
    try {
      const runs = await store.listRuns();
      expect(runs.map((r) => [r.status, r.errorMessage])).toEqual([
        ['stopped', 'import interrupted by SIGINT; the run holds only part of the source'],
      ]);
    } finally {
      await store.close();
    }
  });
});

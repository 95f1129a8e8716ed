import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { demoScript, fixture, runCli, tempDir } from './helpers.js';

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
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{"step": 1, "loss": 0.9}\nnot json\n{"step": 2, "loss": 0.8, "acc": 0.5}\n');
    const result = await runCli(['--dir', dir, 'import', file, '--project', 'files']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/imported 3 points into run \w+ \(files\/metrics\) · 1 lines refused/);
    const { points } = await pointsOf(dir);
    expect(points['loss']).toEqual({ x: [1, 2], v: [0.9, 0.8] });
    expect((await runCli(['--dir', dir, 'import', join(dir, 'nope.jsonl')])).code).toBe(1);
  });
});

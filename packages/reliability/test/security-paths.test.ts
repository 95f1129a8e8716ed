import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Store } from '@trainscope/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasStackTrace, runCli } from '../src/cli-process.js';
import { makeTempDir, type TempDir } from '../src/temp-dir.js';

let work: TempDir;
let store: string;
let runId: string;
beforeEach(async () => {
  work = makeTempDir('paths');
  store = `${work.path}/store`;
  const s = await Store.open({ dir: store });
  const run = await s.createRun({ project: 'p', name: 'r' });
  await s.openRun(run.id);
  const id = s.defineSeries(run.id, { name: 'loss' }).id;
  s.ingestor.ingest({
    length: 3,
    series: Uint32Array.of(id, id, id),
    x: Float64Array.of(0, 1, 2),
    time: Float64Array.of(1, 2, 3),
    value: Float64Array.of(0.5, 0.25, 0.125),
  });
  await s.updateRun(run.id, { status: 'completed', exitCode: 0 });
  await s.close();
  runId = run.id;
});
afterEach(() => work.remove());

const cli = (...args: string[]) => runCli(['--dir', store, ...args], { cwd: work.path });

describe('import and export write and read only what the user named', () => {
  it('export writes exactly the file named, refuses to replace one without --force', async () => {
    const out = `${work.path}/out.csv`;
    expect((await cli('export', runId, '--format', 'csv', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('loss');
    const again = await cli('export', runId, '--format', 'csv', '--out', out);
    expect(again.code).toBe(1);
    expect(hasStackTrace(again.stderr)).toBe(false);
  });

  it('a run id that looks like a path is an unknown run, not a file', async () => {
    for (const id of ['../store', "x' OR '1'='1"]) {
      const r = await cli('export', id, '--format', 'csv', '--out', `${work.path}/x.csv`);
      expect(r.code).toBe(1);
      expect(existsSync(`${work.path}/x.csv`)).toBe(false);
    }
  });

  // Once a known fault (existsSync followed the link, so a dangling symlink counted as free and
  // the export wrote through it); the CLI now checks --out with lstat.
  it('export refuses an --out that is a dangling symlink instead of writing through it', async () => {
    const victim = `${work.path}/elsewhere/victim.csv`;
    mkdirSync(`${work.path}/elsewhere`);
    symlinkSync(victim, `${work.path}/link.csv`);
    const r = await cli('export', runId, '--format', 'csv', '--out', `${work.path}/link.csv`);
    expect(existsSync(victim)).toBe(false);
    expect(r.code).toBe(1);
  });

  it('export --force replaces a symlink at --out, not the file it points at', async () => {
    const victim = `${work.path}/precious.txt`;
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, `${work.path}/link.csv`);
    await cli('export', runId, '--format', 'csv', '--out', `${work.path}/link.csv`, '--force');
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('import of an ml-dash root does not follow symlinks out of it', async () => {
    const outside = `${work.path}/outside/proj/exp`;
    mkdirSync(`${outside}/metrics/secret`, { recursive: true });
    writeFileSync(`${outside}/experiment.json`, JSON.stringify({ name: 'outside' }));
    writeFileSync(`${outside}/metrics/secret/data.jsonl`, '{"index": 0, "data": {"value": 42}}\n');
    const root = `${work.path}/root`;
    mkdirSync(`${root}/proj/exp/metrics/loss`, { recursive: true });
    writeFileSync(`${root}/proj/exp/experiment.json`, JSON.stringify({ name: 'inside' }));
    writeFileSync(`${root}/proj/exp/metrics/loss/data.jsonl`, '{"index": 0, "data": {"value": 1}}\n');
    symlinkSync(`${work.path}/outside/proj`, `${root}/linked-proj`);
    symlinkSync(`${outside}/metrics/secret`, `${root}/proj/exp/metrics/secret`);
    const r = await cli('import', root, '--json');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('outside');
    const s = await Store.open({ dir: store });
    try {
      const names = [];
      for (const run of await s.listRuns({})) for (const series of await s.listSeries(run.id)) names.push(series.name);
      expect(names).not.toContain('secret');
      expect(names.some((n) => n.startsWith('secret'))).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('import of a JSON-lines path that is not a file is a clear error', async () => {
    for (const path of [`${work.path}/missing.jsonl`, '/dev/null/x']) {
      const r = await cli('import', path);
      expect(r.code).toBe(1);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginContext, Store } from '@trainscope/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  importMldashExperiment,
  importMldashRoot,
  readMldashRunInfo,
  readRunForMldash,
  writeMldashExperiment,
} from '../src/index.js';

const experimentDir = fileURLToPath(new URL('fixtures/mldash/cv/resnet-baseline', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'trainscope-mldash-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dataFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'data.jsonl') files.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(join(dir, 'metrics'));
  return files;
}

describe('ml-dash through a real store', () => {
  it('imports into a store run and exports from it, giving every data.jsonl back byte for byte', async () => {
    const store = await Store.open({ dir: join(tmp, 'store') });
    try {
      const info = await readMldashRunInfo(experimentDir);
      const run = await store.createRun({
        project: info.project,
        name: info.name,
        params: info.params,
        tags: info.tags,
      });
      const context = await createPluginContext(store, run.id);
      const result = await importMldashExperiment(experimentDir, context);
      expect(result.rejected).toEqual({});
      const input = await readRunForMldash(store, run.id);
      expect(input).toMatchObject({ project: 'cv', name: 'resnet-baseline', tags: ['baseline', 'cifar'] });
      expect(input.logs).toHaveLength(7);
      const { dir } = await writeMldashExperiment(join(tmp, 'out'), input);
      const original = dataFiles(experimentDir);
      const written = dataFiles(dir);
      expect([...written.keys()].sort()).toEqual([...original.keys()].sort());
      for (const [file, text] of original) expect(written.get(file), file).toBe(text);
    } finally {
      await store.close();
    }
  });

  it('imports a whole ml-dash root, one store run per experiment', async () => {
    const store = await Store.open({ dir: join(tmp, 'store-root') });
    try {
      const root = fileURLToPath(new URL('fixtures/mldash', import.meta.url));
      const entries = await importMldashRoot(root, async (info) => {
        const run = await store.createRun({
          project: info.project,
          name: info.name,
          params: info.params,
          tags: info.tags,
        });
        return createPluginContext(store, run.id);
      });
      await store.flush();
      expect(entries.map((e) => [e.project, e.name, e.result.records])).toEqual([['cv', 'resnet-baseline', 301]]);
      const [run] = await store.listRuns({ project: 'cv' });
      expect(run).toMatchObject({
        name: 'resnet-baseline',
        params: { 'model.lr': 0.001 },
        tags: ['baseline', 'cifar'],
      });
      const series = await store.listSeries(run?.id ?? '');
      const stored = (await store.summaries(series.map((s) => s.id))).reduce((n, s) => n + s.count, 0);
      expect(stored).toBe(entries[0]?.result.points);
    } finally {
      await store.close();
    }
  });
});

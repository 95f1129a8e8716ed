import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPlugin } from '@trainscope/core/conformance';
import { afterAll } from 'vitest';
import { type JsonlTailPlugin, jsonlTailPlugin } from '../src/index.js';

// The suite every trainscope plugin runs first (lifecycle, idempotent stop, nothing written after
// stop, abort, well-formed batches landing in a real store); the package's own cases follow in the
// other files.
const dir = mkdtempSync(join(tmpdir(), 'trainscope-jsonl-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

testPlugin<JsonlTailPlugin>({
  title: 'plugin conformance: jsonl-tail',
  create: () => jsonlTailPlugin({ path: join(dir, `metrics-${++files}.jsonl`) }),
  async exercise(plugin) {
    appendFileSync(plugin.path, '{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5, "train": {"acc": 0.25}}\n');
    await plugin.poll();
  },
});

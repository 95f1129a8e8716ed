import { Store } from '@trainscope/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { cliTarget } from '../src/fuzz-cli.js';
import { assertTarget } from '../src/run-property.js';
import { makeTempDir, type TempDir } from '../src/temp-dir.js';

let work: TempDir;
beforeAll(async () => {
  work = makeTempDir('cli-fuzz');
  // A store with one finished run, so show/export have something to find.
  const store = await Store.open({ dir: `${work.path}/store` });
  await store.createRun({ id: 'RUN', project: 'default', name: 'fuzz' });
  await store.close();
});
afterAll(() => work.remove());

describe('fuzzing the CLI arguments with a fixed seed', () => {
  it('every invocation ends by itself with 0, 1 or 2 and no stack trace', async () => {
    await assertTarget(cliTarget(work.path, `${work.path}/store`), 10);
  }, 120_000);
});

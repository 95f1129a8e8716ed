/**
 * Child process of the fuzz soak benchmark: `fuzz-soak-main.ts <target> <count> <seed>` soaks one
 * target in a process of its own (so its peak RSS is its own) and writes the figures as one JSON
 * line on stdout.
 */
import { Store } from '@trainscope/core';
import { cliTarget } from './fuzz-cli.js';
import { httpTarget } from './fuzz-http.js';
import { jsonlTarget } from './fuzz-jsonl.js';
import { liveTarget } from './fuzz-live.js';
import { soak } from './fuzz-soak.js';
import { statsdTarget } from './fuzz-statsd.js';
import { stdoutTarget } from './fuzz-stdout.js';
import { serveTempStore } from './served-store.js';
import { makeTempDir } from './temp-dir.js';

const [name = '', countText = '1000', seedText = '1'] = process.argv.slice(2);
const count = Number(countText);
const seed = Number(seedText);

async function main() {
  if (name === 'stdout') return soak(stdoutTarget, count, seed);
  if (name === 'statsd') return soak(statsdTarget, count, seed);
  if (name === 'jsonl') return soak(jsonlTarget, count, seed);
  if (name === 'http' || name === 'websocket') {
    const served = await serveTempStore();
    try {
      if (name === 'http') return await soak(httpTarget(served, { readBackEvery: 64 }), count, seed);
      const target = liveTarget(served);
      try {
        return await soak(target, count, seed);
      } finally {
        target.close();
      }
    } finally {
      await served.close();
    }
  }
  if (name === 'cli') {
    const work = makeTempDir('cli-soak');
    try {
      const store = await Store.open({ dir: `${work.path}/store` });
      await store.createRun({ id: 'RUN', project: 'default', name: 'soak' });
      await store.close();
      return await soak(cliTarget(work.path, `${work.path}/store`), count, seed, 30_000);
    } finally {
      work.remove();
    }
  }
  throw new Error(`unknown target "${name}"`);
}

process.stdout.write(`${JSON.stringify(await main())}\n`);

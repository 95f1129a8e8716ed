import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN, hasStackTrace, runCli } from '../src/cli-process.js';
import { checkIntegrity } from '../src/integrity.js';
import { readNewestRun } from '../src/read-run.js';
import { canMountTmpfs, mountSmallFs, type SmallFs } from '../src/small-fs.js';
import { makeTempDir } from '../src/temp-dir.js';

const script = fileURLToPath(new URL('./fixtures/phased-metrics.mjs', import.meta.url));
const probe = makeTempDir('mount-probe');
const mountable = canMountTmpfs(`${probe.path}/m`);
probe.remove();

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** Waits until `check` holds or `boundMs` passes (a bound against hanging, not a measurement). */
const until = async (check: () => boolean, boundMs = 60_000) => {
  const end = Date.now() + boundMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return check();
};

function smallFs(): { fs: SmallFs; work: string } {
  const work = makeTempDir('disk-faults');
  cleanups.push(() => work.remove());
  const fs = mountSmallFs(`${work.path}/mnt`, 48);
  cleanups.push(() => fs.unmount());
  return { fs, work: work.path };
}

describe.skipIf(!mountable)('the store disk fails (small tmpfs)', () => {
  // Once a known fault (DuckDB invalidated the database at a failed checkpoint and the store never
  // reopened it); core now reopens it and reconciles what is pending, and the CLI says so while full.
  it('disk full mid-run: an error while full, ingest resumes when space returns, nothing lost', async () => {
    const { fs, work } = smallFs();
    const control = `${work}/control`;
    mkdirSync(control);
    const store = `${fs.path}/store`;
    const child = spawn(
      process.execPath,
      [CLI_BIN, '--dir', store, 'run', '--', process.execPath, script, control, '100000', '3'],
      { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let code: number | null | undefined;
    child.once('close', (c) => {
      code = c;
    });
    await until(() => existsSync(`${control}/done-0`));
    fs.fill();
    writeFileSync(`${control}/go-1`, '');
    await until(() => existsSync(`${control}/done-1`));
    const toldWhileFull = await until(() => /space|ENOSPC/i.test(stderr), 5_000);
    fs.free();
    writeFileSync(`${control}/go-2`, '');
    await until(() => code !== undefined, 10_000);
    expect({ toldWhileFull, code }).toEqual({ toldWhileFull: true, code: 0 });
    const { run, counts } = await readNewestRun(store);
    expect(run.status).toBe('completed');
    expect(counts.get('m')).toBe(300_000);
    expect((await checkIntegrity(store)).problems).toEqual([]);
  }, 120_000);

  it('store on a read-only filesystem: a clear error naming the directory, exit 1, no stack trace', async () => {
    const { fs, work } = smallFs();
    mkdirSync(`${fs.path}/store`);
    fs.readOnly();
    const result = await runCli(['--dir', `${fs.path}/store`, 'run', '--', process.execPath, '-e', '0'], { cwd: work });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${fs.path}/store`);
    expect(hasStackTrace(result.stderr)).toBe(false);
  }, 60_000);
});

import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli-process.js';
import { readNewestRun } from '../src/read-run.js';
import { makeTempDir, type TempDir } from '../src/temp-dir.js';

const script = fileURLToPath(new URL('./fixtures/child-behaviours.mjs', import.meta.url));
const dirs: TempDir[] = [];
const tempDir = () => {
  const d = makeTempDir('run-faults');
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

const LINES = 40_000;

describe('trainscope run when its command ends badly', () => {
  it('a command killed (OOM-style SIGKILL) right after a burst of output: failed, 137, every printed metric stored', async () => {
    const d = tempDir();
    const result = await runCli(
      ['--dir', `${d.path}/s`, 'run', '--', process.execPath, script, 'burst-kill', `${LINES}`],
      {
        cwd: d.path,
      },
    );
    expect(result.code).toBe(137);
    const { run, counts } = await readNewestRun(`${d.path}/s`);
    expect(run).toMatchObject({ status: 'failed', exitCode: 137 });
    expect(run.errorMessage).toMatch(/SIGKILL/);
    expect(counts.get('m')).toBe(LINES);
  });

  it('a command that closes stdout early and fails later: its exit code, every metric printed before the close', async () => {
    const d = tempDir();
    const result = await runCli(
      ['--dir', `${d.path}/s`, 'run', '--', process.execPath, script, 'close-stdout', `${LINES}`],
      {
        cwd: d.path,
      },
    );
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('stdout closed, still running');
    const { run, counts } = await readNewestRun(`${d.path}/s`);
    expect(run).toMatchObject({ status: 'failed', exitCode: 5 });
    expect(counts.get('m')).toBe(LINES);
  });

  // A process the command started and left behind still holds stdout: the run must still end with
  // the command, not with that process (for a leaked daemon: never).
  it('ends when its command exits, though a grandchild still holds stdout', async () => {
    const d = tempDir();
    const result = await runCli(['--dir', `${d.path}/s`, 'run', '--', process.execPath, script, 'orphan', '10'], {
      cwd: d.path,
    });
    const pid = Number(/grandchild (\d+)/.exec(result.stderr)?.[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) process.kill(pid, 'SIGKILL');
    expect(result.code).toBe(0);
    expect(alive).toBe(true);
  }, 30_000);
});

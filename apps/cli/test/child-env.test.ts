import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childEnv } from '../src/child-env.js';
import { cliBin, runCli, tempDir } from './helpers.js';

const terminal = { stdoutIsTTY: true, stderrIsTTY: true, columns: 132 };
const piped = { stdoutIsTTY: false, stderrIsTTY: false };
const forced = { FORCE_COLOR: '1', CLICOLOR_FORCE: '1', PY_COLORS: '1' };

describe('childEnv', () => {
  it('forces colours and passes the width when both of trainscope streams are a terminal', () => {
    const env = childEnv({ PATH: '/bin', TERM: 'xterm-256color' }, terminal, { TRAINSCOPE_RUN_ID: 'r1' });
    expect(env).toEqual({
      PATH: '/bin',
      TERM: 'xterm-256color',
      PYTHONUNBUFFERED: '1',
      ...forced,
      COLUMNS: '132',
      TRAINSCOPE_RUN_ID: 'r1',
    });
  });

  it('adds nothing of the kind when both are pipes', () => {
    expect(childEnv({ PATH: '/bin' }, piped, { TRAINSCOPE_RUN_ID: 'r1' })).toEqual({
      PATH: '/bin',
      PYTHONUNBUFFERED: '1',
      TRAINSCOPE_RUN_ID: 'r1',
    });
  });

  it('forces no colours when one stream is a pipe or file, but passes the width of the terminal', () => {
    for (const half of [
      { stdoutIsTTY: false, stderrIsTTY: true, columns: 90 },
      { stdoutIsTTY: true, stderrIsTTY: false, columns: 90 },
    ]) {
      expect(childEnv({}, half)).toEqual({ PYTHONUNBUFFERED: '1', COLUMNS: '90' });
    }
    expect(childEnv({}, { stdoutIsTTY: true, stderrIsTTY: true })).toEqual({ PYTHONUNBUFFERED: '1', ...forced });
  });

  it('keeps what the user set, and NO_COLOR or FORCE_COLOR=0 turns forcing off', () => {
    expect(childEnv({ FORCE_COLOR: '3', COLUMNS: '80', PYTHONUNBUFFERED: '0' }, terminal)).toEqual({
      FORCE_COLOR: '3',
      CLICOLOR_FORCE: '1',
      PY_COLORS: '1',
      COLUMNS: '80',
      PYTHONUNBUFFERED: '0',
    });
    expect(childEnv({ NO_COLOR: '1' }, terminal)).toEqual({ NO_COLOR: '1', PYTHONUNBUFFERED: '1', COLUMNS: '132' });
    expect(childEnv({ FORCE_COLOR: '0' }, terminal)).toEqual({
      FORCE_COLOR: '0',
      PYTHONUNBUFFERED: '1',
      COLUMNS: '132',
    });
    // An empty NO_COLOR does not count (no-color.org).
    expect(childEnv({ NO_COLOR: '' }, terminal)).toMatchObject(forced);
  });
});

const NAMES = ['FORCE_COLOR', 'CLICOLOR_FORCE', 'PY_COLORS', 'COLUMNS', 'NO_COLOR'] as const;
/** A child printing the variables it sees, as one JSON line prefixed ENV=. */
const printEnv = `console.log("ENV=" + JSON.stringify(Object.fromEntries(${JSON.stringify(NAMES)}.map((n) => [n, process.env[n] ?? null]))))`;
const unset = Object.fromEntries(NAMES.map((n) => [n, undefined]));
const seen = (stdout: string) =>
  JSON.parse(/ENV=(\{.*\})/.exec(stdout)?.[1] ?? 'null') as Record<string, string | null>;

describe('trainscope run passes the terminal on to its child', () => {
  it('sets none of the variables when its stdout and stderr are pipes', async () => {
    const dir = tempDir();
    const result = await runCli(['--dir', dir, 'run', '--no-gpu', '--', process.execPath, '-e', printEnv], unset);
    expect(result.code, result.stderr).toBe(0);
    expect(seen(result.stdout)).toEqual(Object.fromEntries(NAMES.map((n) => [n, null])));
  });

  const hasScript = (() => {
    try {
      return execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux');
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasScript)(
    'forces colours and passes the width when it runs on a terminal (a pty from script)',
    async () => {
      const dir = tempDir();
      const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
      const command = `stty cols 97 rows 30; ${[process.execPath, cliBin, '--dir', dir, 'run', '--no-gpu', '--', process.execPath, '-e', printEnv].map(q).join(' ')}`;
      const stdout = execFileSync('script', ['-qec', command, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, ...unset },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      expect(seen(stdout)).toEqual({
        FORCE_COLOR: '1',
        CLICOLOR_FORCE: '1',
        PY_COLORS: '1',
        COLUMNS: '97',
        NO_COLOR: null,
      });
    },
  );
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as a user runs it (`npx turbo run build --filter=@trainscope/cli...`). */
export const CLI_BIN = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));

/** How a CLI process ended. `timedOut` when it was killed for running past its limit. */
export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs the built CLI with `args` in `cwd`, killing it after `limitMs`. */
export function runCli(
  args: string[],
  options: { cwd: string; limitMs?: number; env?: NodeJS.ProcessEnv },
): Promise<CliOutcome> {
  const env = { ...process.env, ...options.env };
  delete env['TRAINSCOPE_DIR'];
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.limitMs ?? 30_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** True when output shows an uncaught error's stack rather than a message for a user. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text) || text.includes('node:internal');
}

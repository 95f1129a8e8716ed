import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '@trainscope/core';
import { afterEach } from 'vitest';

// The built CLI, as a user runs it (turbo builds it before the tests).
export const cliBin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const demoScript = fileURLToPath(new URL('../dist/demo/train.js', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const dirs: string[] = [];
const children: ChildProcess[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainscope-cli-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns the real, built CLI as a user would run it. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return spawnCli(args, env).done;
}

/** The store's first run, its series, their summaries by name, and its log lines. */
export async function storeView(dir: string) {
  const store = await Store.open({ dir });
  try {
    const [run] = await store.listRuns();
    if (!run) throw new Error('no run recorded');
    const series = await store.listSeries(run.id);
    const summaries = await store.summaries(series.map((s) => s.id));
    const byName = new Map(series.map((s, i) => [s.name, summaries[i]]));
    const logs = await store.readLogs(run.id, { limit: 10_000 });
    return { run, series, byName, logs };
  } finally {
    await store.close();
  }
}

/** A TCP port free on loopback just now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

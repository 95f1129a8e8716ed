import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchBuilder, createPluginContext, Store } from '@trainscope/core';
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
  /** A program to start instead, with `args` as its whole argument list. */
  program?: string,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(program ?? process.execPath, program ? args : [cliBin, ...args], {
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

/**
 * Runs the CLI with its file size limit (`ulimit -f`, KiB) set: a write past it fails with EFBIG,
 * as on a full disk, partway through whatever file is being written.
 */
export function runCliWithFileLimit(kib: number, args: string[]): Promise<CliResult> {
  return spawnCli(['-c', 'ulimit -f "$0" && exec "$@"', String(kib), process.execPath, cliBin, ...args], {}, 'bash')
    .done;
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

/**
 * A store (created in `dir`) with one completed run p/r holding `count` points in each named
 * series (x = 0, 1, ...; values sin(x), which compress poorly). Returns the run id.
 */
export async function storeWithSeries(dir: string, counts: Record<string, number>): Promise<string> {
  const store = await Store.open({ dir });
  try {
    const run = await store.createRun({ project: 'p', name: 'r' });
    const context = await createPluginContext(store, run.id);
    for (const [name, count] of Object.entries(counts)) {
      const id = context.series({ name });
      const batch = new BatchBuilder(count);
      for (let i = 0; i < count; i++) batch.push(id, Math.sin(i), 1_700_000_000_000 + i, i);
      context.ingest(batch.take());
    }
    await store.updateRun(run.id, { status: 'completed' });
    await store.flush();
    return run.id;
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

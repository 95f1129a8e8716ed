import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url));

/** A server in a child process (see server-main.ts). */
export interface ChildServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Peak resident memory of the child so far (VmHWM), MiB. */
  peakRssMiB(): number;
  /** Stops it with SIGTERM and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts a server over the store in `dir` in a child process (port 0: a free one). */
export async function startChildServer(dir: string, flushIntervalMs = 500, port = 0): Promise<ChildServer> {
  const args = ['--conditions=development', '--import', 'tsx', MAIN, dir, String(flushIntervalMs), String(port)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server child exited with ${code} before serving`)));
  });
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    child,
    peakRssMiB: () => peakRssMiB(child.pid as number),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** VmHWM of a process from /proc, in MiB (Linux). */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}

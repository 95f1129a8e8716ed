import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Starts a real job: a root node process that forks `children` busy-looping children (each
 * holding about `megabytes` MiB of touched memory) and prints "ready" once they run.
 */
export async function startJob(children: number, megabytes = 0): Promise<ChildProcess> {
  const childCode = `const b = Buffer.alloc(${megabytes} * 1048576, 1); let x = 0; for (;;) { x += b[x % (b.length || 1)] ?? 1; }`;
  const rootCode = `
    const { spawn } = require('node:child_process');
    for (let i = 0; i < ${children}; i++) spawn(process.execPath, ['-e', ${JSON.stringify(childCode)}], { stdio: 'ignore' });
    setTimeout(() => process.stdout.write('ready\\n'), 200);
    process.on('SIGTERM', () => process.exit(0));
    setInterval(() => {}, 1000);
  `;
  const root = spawn(process.execPath, ['-e', rootCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(root.stdout as NodeJS.ReadableStream, 'data');
  return root;
}

/** Kills a job's root and every process in its group of children. */
export async function stopJob(root: ChildProcess, childPids: number[]): Promise<void> {
  for (const pid of childPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (root.exitCode === null && root.signalCode === null) {
    root.kill('SIGKILL');
    await once(root, 'exit');
  }
}

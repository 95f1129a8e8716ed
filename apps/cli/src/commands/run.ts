import type { ChildProcess } from 'node:child_process';
import {
  createPluginContext,
  type Run,
  readOwner,
  resolveStoreDir,
  type Store,
  type TrainscopePlugin,
} from '@trainscope/core';
import { nvmlPlugin, readNvmlHostInfo } from '@trainscope/plugin-nvml';
import { ListenError, type StatsdPlugin, statsdPlugin } from '@trainscope/plugin-statsd';
import { stdoutPlugin } from '@trainscope/plugin-stdout';
import { readHostInfo, systemPlugin } from '@trainscope/plugin-system';
import { exitCodeOf, startChild, TailLines, waitForChild } from '../child-process.js';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { openOwnedStore } from '../owner.js';
import { parseParams } from '../params.js';

/** Options of `trainscope run`. */
export interface RunOptions {
  dir?: string;
  project: string;
  name?: string;
  param: string[];
  tag: string[];
  metric: string[];
  port?: number;
  host?: string;
  statsdPort?: number;
  gpu: boolean;
  systemInterval: number;
  open?: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * `trainscope run -- CMD ARGS...`: runs CMD with its output passed through unchanged while the
 * plugins record its metrics, and returns CMD's exit code.
 */
export async function runCommand(command: string[], options: RunOptions, out: Output): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new CliError('Name the command to run after "--", e.g. trainscope run -- python train.py', 2);
  const dir = resolveStoreDir(options.dir);
  const owner = readOwner(dir);
  if (owner && owner.pid !== process.pid && owner.url) {
    throw new CliError(
      `The store ${dir} is owned by pid ${owner.pid} (${owner.url}); recording a second run through it is not supported yet. ` +
        'Use another store with --dir, or wait for that run to finish.',
    );
  }
  const params = parseParams(options.param);
  const { store, server } = await openOwnedStore({
    dir,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  let run: Run | undefined;
  try {
    const host = { ...readHostInfo(), ...(options.gpu ? await readNvmlHostInfo() : {}) };
    run = await store.createRun({
      project: options.project,
      ...(options.name ? { name: options.name } : {}),
      params: { ...params, command: [file, ...args].join(' ') },
      tags: options.tag,
      host,
    });
    out.info(`trainscope: run ${run.id} (${run.project}/${run.name}) · dashboard ${server.url}/#/runs/${run.id}`);
    return await supervise(store, run, file, args, options, server.url, out);
  } finally {
    await server.close();
  }
}

async function supervise(
  store: Store,
  run: Run,
  file: string,
  args: string[],
  options: RunOptions,
  url: string,
  out: Output,
): Promise<number> {
  const context = await createPluginContext(store, run.id, { logger: out.logger });
  const stdout = stdoutPlugin();
  const statsd = await startStatsd(options, context, out);
  await stdout.start(context);
  const statsdPort = statsd.address().udp?.port;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONUNBUFFERED: process.env['PYTHONUNBUFFERED'] ?? '1',
    TRAINSCOPE_URL: url,
    TRAINSCOPE_RUN_ID: run.id,
    TRAINSCOPE_DIR: store.dir,
    ...(statsdPort !== undefined ? { STATSD_HOST: '127.0.0.1', STATSD_PORT: String(statsdPort) } : {}),
  };
  const child = startChild(file, args, env);
  const stderrTail = new TailLines(20);
  const samplers: TrainscopePlugin[] = [];
  let forwarded: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals) => {
    forwarded ??= signal;
    if (child.pid !== undefined && child.exitCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    pipeThrough(child, stdout, stderrTail);
    const exited = waitForChild(child);
    if (child.pid !== undefined) {
      samplers.push(
        systemPlugin({ pid: child.pid, path: process.cwd(), reportInterval: options.systemInterval * 1000 }),
      );
      if (options.gpu) samplers.push(nvmlPlugin({ pid: child.pid, reportInterval: options.systemInterval * 1000 }));
      for (const sampler of samplers) {
        await Promise.resolve(sampler.start(context)).catch((error: unknown) => {
          out.warn(`trainscope: ${sampler.name} sampling is off: ${String((error as Error).message ?? error)}`);
        });
      }
    }
    const exit = await exited;
    context.abort();
    for (const plugin of [...samplers, statsd, stdout]) await Promise.resolve(plugin.stop()).catch(() => {});
    const code = exitCodeOf(exit);
    if (exit.spawnError) {
      const why = exit.spawnError.code === 'ENOENT' ? 'command not found' : exit.spawnError.message;
      const message = `cannot start "${file}": ${why}`;
      out.error(`trainscope: ${message}`);
      context.log({ text: message, stream: 'system', level: 'error' });
      await store.updateRun(run.id, { status: 'failed', exitCode: code, errorMessage: message });
    } else if (forwarded && code !== 0) {
      await store.updateRun(run.id, { status: 'stopped', exitCode: code, errorMessage: `stopped by ${forwarded}` });
    } else if (code === 0) {
      await store.updateRun(run.id, { status: 'completed', exitCode: 0 });
    } else {
      const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${code}`;
      const tail = stderrTail.lines().slice(-10).join('\n');
      await store.updateRun(run.id, {
        status: 'failed',
        exitCode: code,
        errorMessage: tail ? `${how}\n${tail}` : how,
      });
    }
    await store.flush();
    const stats = stdout.stats();
    const refused = Object.values(stats.rejected as Record<string, number>).reduce((a, b) => a + b, 0);
    out.info(
      `trainscope: run ${run.id} ${code === 0 ? 'completed' : `ended with exit code ${code}`} · ${stats.points} points from output` +
        `${statsd.stats().points ? `, ${statsd.stats().points} from statsd` : ''}${refused ? ` · ${refused} lines refused (see the run log)` : ''}`,
    );
    return code;
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}

function pipeThrough(child: ChildProcess, stdout: ReturnType<typeof stdoutPlugin>, stderrTail: TailLines): void {
  child.stdout?.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    stdout.write(chunk, 'stdout');
  });
  child.stdout?.on('end', () => stdout.end('stdout'));
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail.push(chunk);
    stdout.write(chunk, 'stderr');
  });
  child.stderr?.on('end', () => stdout.end('stderr'));
}

/** Listens for statsd on the requested port, else 8125, falling back to a free port when taken. */
async function startStatsd(
  options: RunOptions,
  context: Parameters<TrainscopePlugin['start']>[0],
  out: Output,
): Promise<StatsdPlugin> {
  const ports = options.statsdPort !== undefined ? [options.statsdPort] : [8125, 0];
  for (const port of ports) {
    const plugin = statsdPlugin({ port, ...(options.metric.length ? { metrics: options.metric } : {}) });
    try {
      await plugin.start(context);
      return plugin;
    } catch (error) {
      await Promise.resolve(plugin.stop()).catch(() => {});
      if (!(error instanceof ListenError) || port === ports[ports.length - 1]) throw error;
      out.debug(`trainscope: statsd port ${port} is taken, using a free one`);
    }
  }
  throw new CliError('Could not listen for statsd.');
}

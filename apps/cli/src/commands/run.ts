import type { ChildProcess } from 'node:child_process';
import { ApiRequestError, TrainscopeClient } from '@trainscope/client';
import {
  createPluginContext,
  type JsonValue,
  type PluginContext,
  processAlive,
  type Run,
  type RunPatch,
  readOwner,
  resolveStoreDir,
  type Store,
  type TrainscopePlugin,
} from '@trainscope/core';
import { nvmlPlugin, readNvmlHostInfo } from '@trainscope/plugin-nvml';
import { ListenError, type StatsdPlugin, statsdPlugin } from '@trainscope/plugin-statsd';
import { stdoutPlugin } from '@trainscope/plugin-stdout';
import { readHostInfo, systemPlugin } from '@trainscope/plugin-system';
import type { TrainscopeServer } from '@trainscope/server';
import { openInBrowser } from '../browser.js';
import { childEnv, processTerminal } from '../child-env.js';
import { exitCodeOf, startChild, TailLines, waitForChild } from '../child-process.js';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { openOwnedStore, StoreOwnedError } from '../owner.js';
import { parseParams } from '../params.js';
import { httpTransport, type RunTransport, remoteContext, runFromApi, storeTransport } from '../remote-context.js';

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

/** Where a run is recorded: this process owning the store, or the owner's API. */
interface RunBackend {
  run: Run;
  context: PluginContext & { abort(reason?: unknown): void };
  /** Base URL of the API the child is told about. */
  url: string;
  storeDir: string;
  updateRun(patch: RunPatch): Promise<void>;
  /** Delivers everything recorded so far. */
  flush(): Promise<void>;
  /** Ends the backend (the owner keeps serving while other runs still write through it). */
  close(): Promise<void>;
}

/**
 * `trainscope run -- CMD ARGS...`: runs CMD with its output passed through unchanged while the
 * plugins record its metrics, and returns CMD's exit code. The first run on a store owns it and
 * serves the API; a run started while another process owns the store records through that
 * owner's API (DESIGN "one writer, many clients").
 */
export async function runCommand(command: string[], options: RunOptions, out: Output): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new CliError('Name the command to run after "--", e.g. trainscope run -- python train.py', 2);
  const dir = resolveStoreDir(options.dir);
  const params = { ...parseParams(options.param), command: [file, ...args].join(' ') };
  const host = { ...readHostInfo(), ...(options.gpu ? await readNvmlHostInfo() : {}) };
  const input = {
    project: options.project,
    ...(options.name ? { name: options.name } : {}),
    params,
    tags: options.tag,
    host,
  };
  const backend = await openBackend(dir, options, input, out);
  try {
    const { run } = backend;
    const dashboard = `${backend.url}/#/run/${encodeURIComponent(run.id)}`;
    out.info(`trainscope: run ${run.id} (${run.project}/${run.name}) · dashboard ${dashboard}`);
    if (options.open) await openInBrowser(dashboard, out);
    return await supervise(backend, file, args, options, out);
  } finally {
    await backend.close();
  }
}

type RunInputFields = Parameters<Store['createRun']>[0] & object;

/**
 * Records through the store's live owner when there is one, else owns the store. An owner that
 * goes away between being found and taking the run (it just finished) is not an error: the run
 * then owns the store itself; so is losing the race to own it to another new run.
 */
async function openBackend(dir: string, options: RunOptions, input: RunInputFields, out: Output): Promise<RunBackend> {
  for (let attempt = 0; ; attempt++) {
    const owner = readOwner(dir);
    const live = owner && owner.pid !== process.pid && owner.url && processAlive(owner.pid) ? owner.url : null;
    try {
      return live ? await remoteBackend(live, dir, input, out) : await ownerBackend(dir, options, input, out);
    } catch (error) {
      const retry = live ? error instanceof OwnerUnreachableError : error instanceof StoreOwnedError;
      if (!retry || attempt >= 5) throw error instanceof OwnerUnreachableError ? error.cause : error;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
}

/** The owner named in owner.json did not answer (it may just have ended). */
class OwnerUnreachableError extends Error {
  override readonly cause: CliError;
  constructor(cause: CliError) {
    super(cause.message);
    this.cause = cause;
  }
}

async function ownerBackend(dir: string, options: RunOptions, input: RunInputFields, out: Output): Promise<RunBackend> {
  const { store, server } = await openOwnedStore({
    dir,
    out,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  try {
    const run = await store.createRun(input);
    const context = await createPluginContext(store, run.id, { logger: out.logger });
    return {
      run,
      context,
      url: server.url,
      storeDir: store.dir,
      updateRun: async (patch) => {
        await store.updateRun(run.id, patch);
      },
      flush: () => store.flush(),
      close: async () => {
        await waitForOtherRuns(store, run.id, out);
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

async function remoteBackend(url: string, dir: string, input: RunInputFields, out: Output): Promise<RunBackend> {
  const apiKey = process.env['TRAINSCOPE_API_KEY'];
  const client = new TrainscopeClient({ url, ...(apiKey ? { apiKey } : {}) });
  let run: Run;
  try {
    run = runFromApi(
      await client.createRun({
        ...(input.project ? { project: input.project } : {}),
        ...(input.name ? { name: input.name } : {}),
        ...(input.params ? { params: input.params } : {}),
        ...(input.tags ? { tags: input.tags } : {}),
        ...(input.host ? { host: input.host as Record<string, JsonValue> } : {}),
      }),
    );
  } catch (error) {
    const refused = new CliError(
      `The store ${dir} is owned by another process serving ${url}, which did not accept a new run: ${(error as Error).message}`,
    );
    // Unreachable, or answering 5xx while it shuts down: the owner is ending.
    const ending = error instanceof ApiRequestError && (error.code === 'unreachable' || error.status >= 500);
    throw ending ? new OwnerUnreachableError(refused) : refused;
  }
  out.debug(`trainscope: recording through the store owner at ${url}`);
  let owned: { store: Store; server: TrainscopeServer } | null = null;
  let ownerUrl = url;
  // The owner went away: write through a new owner if one appeared, else own the store.
  const takeOver = async (): Promise<RunTransport | null> => {
    const owner = readOwner(dir);
    if (owner?.url && owner.pid !== process.pid && processAlive(owner.pid)) {
      if (owner.url === ownerUrl) return null;
      ownerUrl = owner.url;
      out.info(`trainscope: the store is now served at ${owner.url}; recording there`);
      return httpTransport(new TrainscopeClient({ url: owner.url, ...(apiKey ? { apiKey } : {}) }), run.id);
    }
    try {
      owned = await openOwnedStore({ dir, out });
    } catch (error) {
      if (error instanceof StoreOwnedError) return null;
      throw error;
    }
    out.info(`trainscope: the store's owner ended; this run now owns ${dir} and serves it at ${owned.server.url}`);
    return storeTransport(owned.store, run.id);
  };
  const context = remoteContext(httpTransport(client, run.id), run, out, { takeOver });
  return {
    run,
    context,
    url,
    storeDir: dir,
    updateRun: (patch) => context.updateRun(patch),
    flush: () => context.flush(),
    close: async () => {
      await context.flush().catch((error: unknown) => {
        const { points, logs } = context.pending();
        out.error(
          `trainscope: ${points} points and ${logs} log lines could not be delivered to ${ownerUrl}: ${(error as Error).message}`,
        );
      });
      await context.close();
      const self = owned as { store: Store; server: TrainscopeServer } | null;
      if (self) {
        await waitForOtherRuns(self.store, run.id, out);
        await self.server.close();
      }
    },
  };
}

/**
 * The owner keeps serving while other processes are still recording runs through it: runs in
 * state `running` that changed within the last 30 s. Ctrl-C stops waiting.
 */
async function waitForOtherRuns(store: Store, ownRun: string, out: Output): Promise<void> {
  let interrupted = false;
  const stop = () => {
    interrupted = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    let announced = false;
    for (;;) {
      const now = Date.now();
      const active = (await store.listRuns({ status: 'running' })).filter(
        (r) => r.id !== ownRun && now - (store.lastActivity(r.id) ?? 0) < 30_000,
      );
      if (active.length === 0 || interrupted) return;
      if (!announced) {
        out.info(
          `trainscope: still serving the store for ${active.length} other run${active.length > 1 ? 's' : ''} (${active
            .map((r) => r.id)
            .join(', ')}); Ctrl-C to stop`,
        );
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function supervise(
  backend: RunBackend,
  file: string,
  args: string[],
  options: RunOptions,
  out: Output,
): Promise<number> {
  const { context, run } = backend;
  const stdout = stdoutPlugin();
  const statsd = await startStatsd(options, context, out);
  await stdout.start(context);
  const statsdPort = statsd.address().udp?.port;
  const env = childEnv(process.env, processTerminal(), {
    TRAINSCOPE_URL: backend.url,
    TRAINSCOPE_RUN_ID: run.id,
    TRAINSCOPE_DIR: backend.storeDir,
    ...(statsdPort !== undefined ? { STATSD_HOST: '127.0.0.1', STATSD_PORT: String(statsdPort) } : {}),
  });
  const child = startChild(file, args, env);
  const stderrTail = new TailLines(20);
  const samplers: TrainscopePlugin[] = [];
  let forwarded: NodeJS.Signals | null = null;
  const forward = (signal: NodeJS.Signals) => {
    forwarded ??= signal;
    if (child.pid !== undefined && child.exitCode === null) child.kill(signal);
  };
  let stopped = false;
  const stopPlugins = async () => {
    if (stopped) return;
    stopped = true;
    context.abort();
    for (const plugin of [...samplers, statsd, stdout]) await Promise.resolve(plugin.stop()).catch(() => {});
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    pipeThrough(child, stdout, stderrTail);
    const exited = waitForChild(child);
    if (child.pid !== undefined) {
      const pid = child.pid;
      const reportInterval = options.systemInterval * 1000;
      const makers: [string, () => TrainscopePlugin][] = [
        ['system', () => systemPlugin({ pid, path: process.cwd(), reportInterval })],
        ...(options.gpu
          ? [['nvml', () => nvmlPlugin({ pid, reportInterval })] as [string, () => TrainscopePlugin]]
          : []),
      ];
      // A sampler that cannot be made or started costs its figures, never the run (nor a hang
      // with the statsd socket left open).
      for (const [name, make] of makers) {
        try {
          const sampler = make();
          samplers.push(sampler);
          await Promise.resolve(sampler.start(context));
        } catch (error) {
          out.warn(`trainscope: ${name} sampling is off: ${String((error as Error).message ?? error)}`);
        }
      }
    }
    const exit = await exited;
    await stopPlugins();
    const code = exitCodeOf(exit);
    if (exit.spawnError) {
      const why = exit.spawnError.code === 'ENOENT' ? 'command not found' : exit.spawnError.message;
      const message = `cannot start "${file}": ${why}`;
      out.error(`trainscope: ${message}`);
      context.log({ text: message, stream: 'system', level: 'error' });
      await backend.updateRun({ status: 'failed', exitCode: code, errorMessage: message });
    } else if (forwarded && code !== 0) {
      await backend.updateRun({ status: 'stopped', exitCode: code, errorMessage: `stopped by ${forwarded}` });
    } else if (code === 0) {
      await backend.updateRun({ status: 'completed', exitCode: 0 });
    } else {
      const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${code}`;
      const tail = stderrTail.lines().slice(-10).join('\n');
      await backend.updateRun({ status: 'failed', exitCode: code, errorMessage: tail ? `${how}\n${tail}` : how });
    }
    await backend.flush();
    const stats = stdout.stats();
    const refused = Object.values(stats.rejected as Record<string, number>).reduce((a, b) => a + b, 0);
    out.info(
      `trainscope: run ${run.id} ${code === 0 ? 'completed' : `ended with exit code ${code}`} · ${stats.points} points from output` +
        `${statsd.stats().points ? `, ${statsd.stats().points} from statsd` : ''}${refused ? ` · ${refused} lines refused (see the run log)` : ''}`,
    );
    return code;
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
    // After an error too: an open statsd socket would keep the process alive.
    await stopPlugins();
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

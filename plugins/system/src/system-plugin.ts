import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { type PluginContext, SampleWindow, type TrainscopePlugin, WindowBatch } from '@trainscope/core';
import { computeFigures, type Snapshot, SYSTEM_FIGURES } from './figures.js';
import { readHostLimits } from './host-info.js';
import { readHead } from './read-text.js';
import { Rejections } from './rejections.js';
import { SystemSampler } from './sampler.js';

/** Options of `systemPlugin`. */
export interface SystemPluginOptions {
  /** Root pid of the job (the child of `trainscope run`); its process tree gives the job figures. @default undefined (host figures only) */
  pid?: number;
  /** Milliseconds between fast samples. @default 100 */
  sampleInterval?: number;
  /** Milliseconds per stored window (mean, min and max of its samples). @default 1000 */
  reportInterval?: number;
  /** Directory whose volume gives the disk figures (the run's working directory). @default process.cwd() */
  path?: string;
  /** Value of the `node` label on every series. @default os.hostname() */
  node?: string;
  /** procfs mount. @default '/proc' */
  procRoot?: string;
  /** cgroup filesystem mount. @default '/sys/fs/cgroup' */
  cgroupRoot?: string;
  /** Kernel clock ticks per second (`getconf CLK_TCK`; 100 on every mainstream Linux build). @default 100 */
  clockTicks?: number;
  /** Memory page size in bytes. @default KernelPageSize from /proc/self/smaps, else 4096 */
  pageSize?: number;
  /** Milliseconds between reads of every thread's `children` file (the main thread's are read every sample). @default 1000 */
  treeInterval?: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`systemPlugin option ${name} must be a positive number, got ${String(value)}.`);
  }
  return value;
}

function detectPageSize(procRoot: string): number {
  const head = readHead(join(procRoot, 'self', 'smaps'), 4096);
  const kib = head === undefined ? undefined : /KernelPageSize:\s+(\d+) kB/.exec(head)?.[1];
  return kib === undefined ? 4096 : Number(kib) * 1024;
}

/**
 * Samples host and job CPU, memory, disk and network figures from /proc, cgroup files and
 * statfs (no subprocess), `1000 / sampleInterval` times a second, and stores each figure per
 * reporting window as `<name>` (mean), `<name>/min` and `<name>/max`.
 */
export function systemPlugin(options: SystemPluginOptions = {}): TrainscopePlugin {
  const sampleInterval = positive('sampleInterval', options.sampleInterval, 100);
  const reportInterval = positive('reportInterval', options.reportInterval, 1000);
  const treeInterval = positive('treeInterval', options.treeInterval, 1000);
  const clockTicks = positive('clockTicks', options.clockTicks, 100);
  const procRoot = options.procRoot ?? '/proc';
  const rejections = new Rejections('system');
  const window = new SampleWindow(SYSTEM_FIGURES.length);
  let context: PluginContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sampler: SystemSampler | undefined;
  let previous: Snapshot | undefined;
  let windowStart = 0;
  let lastSampleTime = 0;
  let jobEndedReported = false;
  let stopped = false;
  let limits = { cpuCount: 1, memoryLimitBytes: Number.NaN, clockTicks };
  let labels: Record<string, string> = {};

  // Series of one slot's mean (part 0), min (1) or max (2), asked once per slot and part.
  const windowBatch = new WindowBatch(window, (slot, part) => {
    const figure = SYSTEM_FIGURES[slot] as (typeof SYSTEM_FIGURES)[number];
    const name = part === 0 ? figure.name : `${figure.name}/${part === 1 ? 'min' : 'max'}`;
    return (context as PluginContext).series({ name, kind: 'system', type: 'gauge', unit: figure.unit, labels });
  });
  // Made once, not per sample.
  const add = (slot: number, value: number): void => window.add(slot, value);
  const backwards = (what: string): void => rejections.count('counter_backwards', `${what} went backwards`);

  const flush = (): void => {
    const ctx = context;
    if (!ctx) return;
    const batch = windowBatch.take(lastSampleTime);
    if (batch) ctx.ingest(batch);
  };

  const tick = (): void => {
    const ctx = context;
    if (!ctx || !sampler) return;
    try {
      const now = Date.now();
      if (now - windowStart >= reportInterval) {
        flush();
        windowStart = now - (now % reportInterval);
      }
      const current = sampler.snapshot(performance.now());
      computeFigures(previous, current, limits, add, backwards);
      previous = current;
      lastSampleTime = now;
      if (sampler.tree?.ended && !jobEndedReported) {
        jobEndedReported = true;
        ctx.log({
          text: `system: job process ${sampler.tree.root} has exited; job CPU and memory figures stop, host figures go on.`,
          metadata: { source: 'system', pid: sampler.tree.root },
        });
      }
    } catch (error) {
      rejections.count('internal_error', (error as Error).message);
      ctx.logger.error('system plugin sample failed', { error: String(error) });
    }
  };

  return {
    name: 'system',
    start(ctx: PluginContext): void {
      if (context) throw new Error('systemPlugin: start() was called twice; make one plugin per run.');
      context = ctx;
      rejections.attach(ctx);
      const hostLimits = readHostLimits({
        procRoot,
        ...(options.cgroupRoot ? { cgroupRoot: options.cgroupRoot } : {}),
      });
      limits = { cpuCount: hostLimits.cpuCount, memoryLimitBytes: hostLimits.memoryLimitBytes, clockTicks };
      labels = { node: options.node ?? osHostname() };
      sampler = new SystemSampler(
        {
          procRoot,
          path: options.path ?? process.cwd(),
          pid: options.pid,
          pageSize: positive('pageSize', options.pageSize, detectPageSize(procRoot)),
          fullScanEvery: Math.round(treeInterval / sampleInterval),
        },
        rejections,
      );
      const now = Date.now();
      windowStart = now - (now % reportInterval);
      ctx.log({
        text:
          `system: sampling every ${sampleInterval} ms, storing mean/min/max every ${reportInterval} ms` +
          (options.pid === undefined ? ' (host figures only: no job pid given)' : ` for job pid ${options.pid}`) +
          `; limits ${limits.cpuCount} CPUs, ${limits.memoryLimitBytes} bytes.`,
        metadata: { source: 'system' },
      });
      tick();
      timer = setInterval(tick, sampleInterval);
      timer.unref();
      ctx.signal.addEventListener('abort', () => void this.stop(), { once: true });
    },
    stop(): void {
      if (stopped || !context) return;
      stopped = true;
      clearInterval(timer);
      tick();
      flush();
      sampler?.close();
      const summary = rejections.summary();
      if (summary) context.log({ text: summary, level: 'warn', metadata: { source: 'system' } });
    },
  };
}

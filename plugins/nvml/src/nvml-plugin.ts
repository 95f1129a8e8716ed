import { hostname } from 'node:os';
import { BatchBuilder, type PluginContext, SampleWindow, type TrainscopePlugin, WindowBatch } from '@trainscope/core';
import { FIGURES_PER_GPU, GPU_FIGURES } from './gpu-fields.js';
import { jobPids } from './job-pids.js';
import { DEFAULT_NVML_LIBRARY } from './nvml-library.js';
import { type GpuDevice, NvmlSession } from './nvml-session.js';
import { Rejections } from './rejections.js';

/** Options of `nvmlPlugin`. */
export interface NvmlPluginOptions {
  /** NVML shared library to load (a path, or a name the dynamic linker finds). @default 'libnvidia-ml.so.1' */
  libraryPath?: string;
  /** Root pid of the job; per-process GPU memory is stored for its process tree only. @default undefined (every process on the GPUs) */
  pid?: number;
  /** Milliseconds between fast samples. @default 100 */
  sampleInterval?: number;
  /** Milliseconds per stored window (mean, min and max of its samples). @default 1000 */
  reportInterval?: number;
  /** Milliseconds between per-process GPU memory queries (they cost milliseconds on real drivers). @default 10000 */
  processInterval?: number;
  /** Value of the `node` label on every series. @default os.hostname() */
  node?: string;
  /** procfs mount, for finding the job's processes. @default '/proc' */
  procRoot?: string;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`nvmlPlugin option ${name} must be a positive number, got ${String(value)}.`);
  }
  return value;
}

/**
 * Samples every NVIDIA GPU through NVML (koffi FFI, no subprocess) and stores per GPU rank
 * utilization, memory, temperature, power and SM clock as per-window mean/min/max, plus the GPU
 * memory of the job's processes. Without a driver or GPU it says so once in the run log.
 */
export function nvmlPlugin(options: NvmlPluginOptions = {}): TrainscopePlugin {
  const sampleInterval = positive('sampleInterval', options.sampleInterval, 100);
  const reportInterval = positive('reportInterval', options.reportInterval, 1000);
  const processInterval = positive('processInterval', options.processInterval, 10_000);
  const rejections = new Rejections('nvml');
  let context: PluginContext | undefined;
  let session: NvmlSession | undefined;
  let windowBatch: WindowBatch | undefined;
  let add: (slot: number, value: number) => void = () => {};
  const processIds = new Map<string, number>();
  // One timer drives the samples, the window flushes and the process queries.
  let timer: NodeJS.Timeout | undefined;
  let windowStart = 0;
  let processesAt = 0;
  let lastSampleTime = 0;
  let stopped = false;
  let node = '';

  const gpuLabels = (device: GpuDevice): Record<string, string> => ({
    node,
    gpu: String(device.index),
    uuid: device.uuid,
    gpu_name: device.name,
  });

  /** Series of one window slot's mean (part 0), min (1) or max (2); asked once per slot and part. */
  const defineSeries = (ctx: PluginContext, opened: NvmlSession, slot: number, part: number): number => {
    const device = opened.devices[Math.floor(slot / FIGURES_PER_GPU)] as GpuDevice;
    const figure = GPU_FIGURES[slot % FIGURES_PER_GPU] as (typeof GPU_FIGURES)[number];
    const base = `gpu/${device.index}/${figure.name}`;
    const name = part === 0 ? base : `${base}/${part === 1 ? 'min' : 'max'}`;
    return ctx.series({ name, kind: 'system', type: 'gauge', unit: figure.unit, labels: gpuLabels(device) });
  };

  const flush = (): void => {
    const batch = windowBatch?.take(lastSampleTime);
    if (batch) context?.ingest(batch);
  };

  const sample = (now: number): void => {
    if (!session || stopped) return;
    if (now - windowStart >= reportInterval) {
      flush();
      windowStart = now - (now % reportInterval);
    }
    session.sample(add);
    lastSampleTime = now;
    if (session.liveDevices === 0) clearInterval(timer);
  };

  const sampleProcesses = (): void => {
    const ctx = context;
    if (!ctx || !session || stopped) return;
    const found = session.processes();
    if (found.size === 0) return;
    const mine = options.pid === undefined ? undefined : jobPids(options.pid, options.procRoot);
    const time = Date.now();
    const batch = new BatchBuilder();
    for (const [position, processes] of found) {
      const device = session.devices[position] as GpuDevice;
      for (const { pid, usedBytes } of processes) {
        if (mine && !mine.has(pid)) continue;
        if (usedBytes === undefined) {
          rejections.count('process_memory_unavailable', `GPU ${device.index}, pid ${pid}: NVML_VALUE_NOT_AVAILABLE`);
          continue;
        }
        const name = `gpu/${device.index}/process/${pid}/memory_used_bytes`;
        let id = processIds.get(name);
        if (id === undefined) {
          id = ctx.series({
            name,
            kind: 'system',
            type: 'gauge',
            unit: 'bytes',
            labels: { ...gpuLabels(device), pid: String(pid) },
          });
          processIds.set(name, id);
        }
        batch.push(id, usedBytes, time);
      }
    }
    if (batch.length > 0) ctx.ingest(batch.take());
  };

  const failed = (what: string, error: unknown): void => {
    rejections.count('internal_error', `${what}: ${(error as Error).message}`);
    context?.logger.error(`nvml plugin ${what} failed`, { error: String(error) });
  };

  /** One timer tick: a sample (flushing the window first when it is over), and the process query when due. */
  const tick = (): void => {
    const now = Date.now();
    try {
      sample(now);
    } catch (error) {
      failed('sample', error);
    }
    if (now >= processesAt) {
      processesAt = now + processInterval;
      try {
        sampleProcesses();
      } catch (error) {
        failed('process query', error);
      }
    }
  };

  return {
    name: 'nvml',
    async start(ctx: PluginContext): Promise<void> {
      if (context) throw new Error('nvmlPlugin: start() was called twice; make one plugin per run.');
      context = ctx;
      rejections.attach(ctx);
      node = options.node ?? hostname();
      const notice = (text: string, level: 'info' | 'warn') => {
        if (!stopped) ctx.log({ text, level, metadata: { source: 'nvml' } });
      };
      const opened = await NvmlSession.open(options.libraryPath ?? DEFAULT_NVML_LIBRARY, notice, rejections);
      if (!opened) return;
      if (stopped || ctx.signal.aborted) {
        opened.close();
        return;
      }
      session = opened;
      const w = new SampleWindow(opened.devices.length * FIGURES_PER_GPU);
      add = (slot, value) => w.add(slot, value);
      windowBatch = new WindowBatch(w, (slot, part) => defineSeries(ctx, opened, slot, part));
      ctx.log({
        text:
          `nvml: sampling ${opened.devices.length} GPU(s) (${opened.devices.map((d) => `${d.index}: ${d.name}`).join(', ')}) ` +
          `every ${sampleInterval} ms, storing mean/min/max every ${reportInterval} ms; processes every ${processInterval} ms.`,
        metadata: { source: 'nvml', library: opened.library.path },
      });
      const now = Date.now();
      windowStart = now - (now % reportInterval);
      processesAt = now;
      tick();
      timer = setInterval(tick, sampleInterval);
      timer.unref();
      ctx.signal.addEventListener('abort', () => void this.stop(), { once: true });
    },
    stop(): void {
      if (stopped) return;
      clearInterval(timer);
      if (context && session) {
        try {
          sample(Date.now());
        } catch (error) {
          failed('sample', error);
        }
        try {
          flush();
        } catch (error) {
          failed('flush', error);
        }
        const summary = rejections.summary();
        if (summary) context.log({ text: summary, level: 'warn', metadata: { source: 'nvml' } });
      }
      stopped = true;
      session?.close();
    },
  };
}

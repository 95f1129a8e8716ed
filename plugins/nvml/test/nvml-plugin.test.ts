import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GPU_FIGURES } from '../src/gpu-fields.js';
import { NvmlReturn } from '../src/nvml-codes.js';
import { nvmlPlugin } from '../src/nvml-plugin.js';
import { recordingContext, waitFor } from './helpers/recording-context.js';
import { standin } from './helpers/standin.js';

const s = standin();
const stops: (() => unknown)[] = [];
beforeEach(() => s.reset());
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const fast = { sampleInterval: 5, reportInterval: 40, processInterval: 20 };

async function started(options: Parameters<typeof nvmlPlugin>[0]) {
  const rec = recordingContext();
  const plugin = nvmlPlugin({ libraryPath: s.path, ...fast, ...options });
  await plugin.start(rec.context);
  stops.push(() => plugin.stop());
  return { rec, plugin };
}

describe('nvmlPlugin on the stand-in driver', () => {
  it('stores mean/min/max per GPU rank with uuid, gpu_name and node labels', async () => {
    const { rec, plugin } = await started({});
    await waitFor(() => rec.of('gpu/1/sm_clock_mhz').length >= 2, 'two windows');
    await plugin.stop();

    for (const rank of [0, 1]) {
      for (const { name, unit } of GPU_FIGURES) {
        for (const suffix of ['', '/min', '/max']) {
          const def = rec.series.find((d) => d.name === `gpu/${rank}/${name}${suffix}`);
          expect(def).toMatchObject({
            kind: 'system',
            type: 'gauge',
            unit,
            labels: {
              node: hostname(),
              gpu: String(rank),
              uuid: `GPU-5a4d0000-0000-4000-8000-00000000000${rank}`,
              gpu_name: 'NVIDIA Stand-in A100-SXM4-80GB',
            },
          });
        }
      }
    }
    expect(rec.of('gpu/0/utilization')[0]?.value).toBe(0.5);
    expect(rec.of('gpu/1/power_w')[0]?.value).toBe(201);
    expect(rec.of('gpu/0/memory_total_bytes')[0]?.value).toBe(85899345920);
    expect(rec.logs[0]?.text).toMatch(/^nvml: sampling 2 GPU\(s\) \(0: NVIDIA Stand-in A100-SXM4-80GB, 1: /);
  });

  it('keeps a dip between reports in the window min', async () => {
    const { rec, plugin } = await started({ reportInterval: 3_600_000 });
    await waitFor(() => s.calls() > 40, 'some samples at 87%');
    s.set('util_gpu', 0, 87);
    const at = s.calls();
    await waitFor(() => s.calls() > at + 40, 'samples at 87%');
    s.set('util_gpu', 0, 3);
    const dip = s.calls();
    await waitFor(() => s.calls() > dip + 24, 'a few samples at 3%');
    s.set('util_gpu', 0, 87);
    await plugin.stop(); // flushes the one open window
    // one window (two if the test straddles a window edge): the dip is in a min, the peak in a max
    expect(Math.min(...rec.of('gpu/0/utilization/min').map((p) => p.value))).toBe(0.03);
    expect(Math.max(...rec.of('gpu/0/utilization/max').map((p) => p.value))).toBe(0.87);
    const means = rec.of('gpu/0/utilization').map((p) => p.value);
    expect(means.some((mean) => mean > 0.03 && mean < 0.87)).toBe(true);
  });

  it('with no NVML library: one log line, start resolves, nothing stored, stop is fine', async () => {
    const rec = recordingContext();
    const plugin = nvmlPlugin({ libraryPath: '/nonexistent/libnvidia-ml.so.1' });
    await plugin.start(rec.context);
    await plugin.stop();
    expect(rec.logs).toHaveLength(1);
    expect(rec.logs[0]).toMatchObject({ level: 'warn', metadata: { source: 'nvml' } });
    expect(rec.logs[0]?.text).toMatch(/cannot load the NVIDIA driver library .* the run goes on/);
    expect(rec.series).toEqual([]);
  });

  it.each([
    [
      'no driver (nvmlInit fails)',
      () => s.set('init_error', 0, NvmlReturn.driverNotLoaded),
      /nvmlInit failed: Driver Not Loaded/,
    ],
    ['no GPU', () => s.set('count', 0, 0), /no NVIDIA GPU found/],
  ] as const)('with %s: one log line, nothing stored, the run goes on', async (_, script, said) => {
    script();
    const { rec, plugin } = await started({});
    await plugin.stop();
    expect(rec.logs).toHaveLength(1);
    expect(rec.logs[0]).toMatchObject({ level: 'warn', metadata: { source: 'nvml' } });
    expect(rec.logs[0]?.text).toMatch(said);
    expect(rec.series).toEqual([]);
    expect(s.initRefs()).toBe(0);
  });

  it('samples at 10 Hz, stores a window every second and queries processes every 10 s by default', async () => {
    const rec = recordingContext();
    const plugin = nvmlPlugin({ libraryPath: s.path });
    await plugin.start(rec.context);
    stops.push(() => plugin.stop());
    await plugin.stop();
    expect(rec.logs[0]?.text).toMatch(
      /every 100 ms, storing mean\/min\/max every 1000 ms; processes every 10000 ms\.$/,
    );
  });

  it('an NVML error on one GPU stops that GPU, says so once, and the others go on', async () => {
    const { rec, plugin } = await started({});
    await waitFor(() => rec.of('gpu/1/temperature_c').length >= 1, 'a window of both GPUs');
    s.setError('nvmlDeviceGetTemperature', 1, NvmlReturn.gpuIsLost);
    await waitFor(() => rec.logs.some((l) => l.text.includes('GPU is lost')), 'the failure to be logged');
    const gpu1 = rec.of('gpu/1/utilization').length;
    const gpu0 = rec.of('gpu/0/utilization').length;
    await waitFor(() => rec.of('gpu/0/utilization').length >= gpu0 + 3, 'GPU 0 to go on');
    await plugin.stop();
    // at most the window that was open when GPU 1 failed
    expect(rec.of('gpu/1/utilization').length).toBeLessThanOrEqual(gpu1 + 1);
    const failures = rec.logs.filter((l) => l.text.includes('GPU is lost'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.text).toBe(
      'nvml: GPU 1 (GPU-5a4d0000-0000-4000-8000-000000000001): nvmlDeviceGetTemperature failed: GPU is lost (code 15); sampling of this GPU stops, the run goes on.',
    );
  });

  it("stores per-process GPU memory for the job's own processes only", async () => {
    s.addProcess(0, process.pid, 5n * 2n ** 30n);
    s.addProcess(0, 0x3ffffff0, 7n * 2n ** 30n); // someone else's job
    s.addProcess(1, process.pid, 0xffffffffffffffffn); // NVML cannot tell
    const { rec, plugin } = await started({ pid: process.pid });
    await waitFor(() => rec.of(`gpu/0/process/${process.pid}/memory_used_bytes`).length >= 2, 'two process queries');
    await plugin.stop();
    const processSeries = rec.series.filter((d) => d.name.includes('/process/'));
    expect(processSeries.map((d) => d.name)).toEqual([`gpu/0/process/${process.pid}/memory_used_bytes`]);
    expect(processSeries[0]).toMatchObject({ unit: 'bytes', labels: { gpu: '0', pid: String(process.pid) } });
    expect(rec.of(`gpu/0/process/${process.pid}/memory_used_bytes`)[0]?.value).toBe(5 * 2 ** 30);
    expect(rec.logs.some((l) => l.text.includes('(process_memory_unavailable)'))).toBe(true);
    expect(rec.logs.at(-1)?.text).toMatch(/^nvml: rejected \d+ readings \(process_memory_unavailable=\d+\)$/);
  });

  it('refuses nonsensical intervals with a clear error', () => {
    expect(() => nvmlPlugin({ sampleInterval: -1 })).toThrow(/sampleInterval must be a positive number/);
    expect(() => nvmlPlugin({ processInterval: 0 })).toThrow(/processInterval/);
  });
});

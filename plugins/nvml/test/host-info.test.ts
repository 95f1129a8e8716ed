import { beforeEach, describe, expect, it } from 'vitest';
import { readNvmlHostInfo } from '../src/host-info.js';
import { standin } from './helpers/standin.js';

const s = standin();
beforeEach(() => s.reset());

describe('readNvmlHostInfo', () => {
  it("gives the GPU count, type and memory for the run's host facts, and shuts NVML down", async () => {
    s.set('count', 0, 8);
    expect(await readNvmlHostInfo({ libraryPath: s.path })).toEqual({
      gpuCount: 8,
      gpuType: 'NVIDIA Stand-in A100-SXM4-80GB',
      gpuMemoryBytes: 85899345920,
    });
    expect(s.initRefs()).toBe(0);
  });

  it('gives nothing where there is no driver or no GPU', async () => {
    expect(await readNvmlHostInfo({ libraryPath: '/nonexistent/libnvidia-ml.so.1' })).toEqual({});
    s.set('count', 0, 0);
    expect(await readNvmlHostInfo({ libraryPath: s.path })).toEqual({});
  });
});

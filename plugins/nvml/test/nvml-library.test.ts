import { beforeEach, describe, expect, it } from 'vitest';
import { decodeCString } from '../src/decode.js';
import { NvmlReturn } from '../src/nvml-codes.js';
import { NvmlLibrary } from '../src/nvml-library.js';
import { standin } from './helpers/standin.js';

const s = standin();
beforeEach(() => s.reset());

describe('NvmlLibrary through koffi on the stand-in driver', () => {
  it('reads u64 results as numbers exactly as Number(bigint) rounds them', async () => {
    const lib = await NvmlLibrary.load(s.path);
    const values = [
      0n,
      1n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n + 1n,
      2n ** 53n + 3n,
      2n ** 63n + 2n ** 11n,
      2n ** 64n - 1n,
    ];
    for (const value of values) {
      lib.u64[1] = value;
      expect(lib.u64Number(1)).toBe(Number(value));
    }
  });

  it('initialises, counts GPUs and reads every figure into its reused arrays', async () => {
    const lib = await NvmlLibrary.load(s.path);
    expect(lib.init()).toBe(NvmlReturn.success);
    expect(lib.count()).toBe(0);
    expect(lib.u32[0]).toBe(2);
    expect(lib.handle(1)).toBe(0);
    const h = lib.lastHandle;
    s.set('util_gpu', 1, 87);
    s.set('util_mem', 1, 12);
    s.set('mem_used', 1, 3 * 2 ** 30);
    s.set('power_mw', 1, 312_500);

    expect(lib.utilization(h)).toBe(0);
    expect([...lib.u32]).toEqual([87, 12]);
    expect(lib.memory(h)).toBe(0);
    expect([...lib.u64]).toEqual([85899345920n, 85899345920n - 3n * 2n ** 30n, 3n * 2n ** 30n]);
    expect([0, 1, 2].map((i) => lib.u64Number(i))).toEqual([...lib.u64].map(Number));
    expect(lib.temperature(h)).toBe(0);
    expect(lib.u32[0]).toBe(41);
    expect(lib.power(h)).toBe(0);
    expect(lib.u32[0]).toBe(312_500);
    expect(lib.powerLimit(h)).toBe(0);
    expect(lib.u32[0]).toBe(400_000);
    expect(lib.smClock(h)).toBe(0);
    expect(lib.u32[0]).toBe(1410);
    expect(lib.name(h)).toBe(0);
    expect(decodeCString(lib.text)).toEqual({ ok: true, value: 'NVIDIA Stand-in A100-SXM4-80GB' });
    expect(lib.uuid(h)).toBe(0);
    expect(decodeCString(lib.text)).toEqual({ ok: true, value: 'GPU-5a4d0000-0000-4000-8000-000000000001' });
    expect(lib.shutdown()).toBe(0);
  });

  it('passes NVML error codes through and names them with nvmlErrorString', async () => {
    const lib = await NvmlLibrary.load(s.path);
    expect(lib.temperature(1n)).toBe(NvmlReturn.uninitialized);
    lib.init();
    lib.handle(0);
    s.setError('nvmlDeviceGetPowerUsage', 0, NvmlReturn.gpuIsLost);
    expect(lib.power(lib.lastHandle)).toBe(NvmlReturn.gpuIsLost);
    expect(lib.errorString(NvmlReturn.gpuIsLost)).toBe('GPU is lost');
    expect(lib.handle(7)).toBe(NvmlReturn.invalidArgument);
    lib.shutdown();
  });

  it('grows its process buffer when NVML asks for more room', async () => {
    const lib = await NvmlLibrary.load(s.path);
    lib.init();
    lib.handle(0);
    for (let pid = 1000; pid < 1200; pid++) s.addProcess(0, pid, BigInt(pid) * 1024n);
    const { code, count } = lib.processes(lib.lastHandle, 4096);
    expect(code).toBe(0);
    expect(count).toBe(200);
    s.set('claimed_procs', 0, 5000);
    expect(lib.processes(lib.lastHandle, 4096).code).toBe(NvmlReturn.insufficientSize);
    lib.shutdown();
  });

  it('fails to load a library that is not there', async () => {
    await expect(NvmlLibrary.load('/nonexistent/libnvidia-ml.so.1')).rejects.toThrow();
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { NvmlReturn } from '../src/nvml-codes.js';
import { NvmlSession } from '../src/nvml-session.js';
import { Rejections } from '../src/rejections.js';
import { standin } from './helpers/standin.js';

const s = standin();
beforeEach(() => s.reset());

async function open() {
  const notices: string[] = [];
  const rejections = new Rejections('nvml');
  const session = await NvmlSession.open(s.path, (text) => notices.push(text), rejections);
  return { session, notices, rejections };
}

function sampled(session: NvmlSession): Map<number, number> {
  const out = new Map<number, number>();
  session.sample((slot, value) => out.set(slot, value));
  return out;
}

describe('NvmlSession', () => {
  it('says once why there are no GPU figures: no library, failed init, no GPU', async () => {
    const notices: string[] = [];
    const none = await NvmlSession.open('/nonexistent/libnvidia-ml.so.1', (t) => notices.push(t), new Rejections('x'));
    expect(none).toBeUndefined();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /cannot load the NVIDIA driver library \/nonexistent\/libnvidia-ml\.so\.1 .*the run goes on/,
    );

    s.set('init_error', 0, NvmlReturn.driverNotLoaded);
    expect((await open()).notices).toEqual([
      'nvml: nvmlInit failed: Driver Not Loaded (code 9); no GPU figures for this run, the run goes on.',
    ]);
    s.reset();
    s.set('count', 0, 0);
    const empty = await open();
    expect(empty.session).toBeUndefined();
    expect(empty.notices).toEqual(['nvml: no NVIDIA GPU found; no GPU figures for this run.']);
    expect(s.initRefs()).toBe(0); // shut down again
  });

  it('enumerates GPUs with UUID and name and samples fractions, bytes, watts and MHz', async () => {
    const { session } = await open();
    if (!session) throw new Error('no session');
    expect(session.devices.map((d) => [d.index, d.uuid, d.name])).toEqual([
      [0, 'GPU-5a4d0000-0000-4000-8000-000000000000', 'NVIDIA Stand-in A100-SXM4-80GB'],
      [1, 'GPU-5a4d0000-0000-4000-8000-000000000001', 'NVIDIA Stand-in A100-SXM4-80GB'],
    ]);
    const values = sampled(session);
    expect([...values].slice(0, 8)).toEqual([
      [0, 0.5],
      [1, 0.2],
      [2, 2 ** 30],
      [3, 85899345920],
      [4, 40],
      [5, 200],
      [6, 400],
      [7, 1410],
    ]);
    expect(values.get(8)).toBe(0.51);
    session.close();
    session.close();
    expect(s.initRefs()).toBe(0);
  });

  it('stops a figure the GPU does not support, and a GPU that fails, each said once', async () => {
    const { session, notices } = await open();
    if (!session) throw new Error('no session');
    s.setError('nvmlDeviceGetPowerUsage', 0, NvmlReturn.notSupported);
    s.setError('nvmlDeviceGetMemoryInfo', 1, NvmlReturn.gpuIsLost);
    const first = sampled(session);
    expect(first.has(5)).toBe(false); // GPU 0 power
    expect(first.has(6)).toBe(true); // GPU 0 power limit still read
    expect(first.has(8)).toBe(true); // GPU 1 utilization came before the failing query
    expect(first.has(10)).toBe(false);
    const callsBefore = s.calls();
    const second = sampled(session);
    expect(s.calls() - callsBefore).toBe(5); // GPU 0 without power; GPU 1 not asked at all
    expect([...second.keys()].every((slot) => slot < 8)).toBe(true);
    expect(session.liveDevices).toBe(1);
    expect(notices).toEqual([
      'nvml: GPU 0 (GPU-5a4d0000-0000-4000-8000-000000000000) does not support nvmlDeviceGetPowerUsage: Not Supported (code 3); those figures stay empty for it.',
      'nvml: GPU 1 (GPU-5a4d0000-0000-4000-8000-000000000001): nvmlDeviceGetMemoryInfo failed: GPU is lost (code 15); sampling of this GPU stops, the run goes on.',
    ]);
    session.close();
  });

  it('refuses out-of-range readings and unreadable names, counting each by reason', async () => {
    s.setName(1, Buffer.alloc(256, 0x41)); // no NUL terminator at all
    const { session, rejections } = await open();
    if (!session) throw new Error('no session');
    expect(session.devices[1]?.name).toBe('unknown NVIDIA GPU');
    s.set('util_gpu', 0, 250);
    s.set('mem_used', 1, 2 ** 40);
    const values = sampled(session);
    expect(values.has(0)).toBe(false);
    expect(values.has(10)).toBe(false);
    expect(values.get(4)).toBe(40);
    expect(Object.fromEntries(rejections.counts)).toEqual({
      name_string_unterminated: 1,
      utilization_out_of_range: 1,
      memory_used_exceeds_total: 1,
    });
    session.close();
  });

  it('lists processes with their GPU memory, refusing oversized lists', async () => {
    const { session, rejections } = await open();
    if (!session) throw new Error('no session');
    s.addProcess(0, 4242, 3n * 2n ** 30n);
    s.addProcess(0, 77, 0xffffffffffffffffn);
    s.set('claimed_procs', 1, 100_000);
    const found = session.processes();
    expect(found.get(0)).toEqual([
      { pid: 4242, usedBytes: 3 * 2 ** 30 },
      { pid: 77, usedBytes: undefined },
    ]);
    expect(found.has(1)).toBe(false);
    expect(rejections.counts.get('process_list_oversized')).toBe(1);
    session.close();
  });
});

import { describe, expect, it } from 'vitest';
import { parseCfsQuota, parseCgroupFile, parseCpuMax, parseMemoryLimit } from '../src/parse-cgroup.js';

describe('parseCgroupFile', () => {
  it('reads the unified path and the v1 controllers of a hybrid host', () => {
    const parsed = parseCgroupFile('4:memory:/process_api/412e\n2:cpu,cpuacct:/job\n0::/\n');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.unified).toBe('/');
    expect([...parsed.value.v1]).toEqual([
      ['memory', '/process_api/412e'],
      ['cpu', '/job'],
      ['cpuacct', '/job'],
    ]);
  });

  it('rejects lines that are not id:controllers:path', () => {
    expect(parseCgroupFile('garbage\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseCgroupFile('\u0000::/\n')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('cgroup limits', () => {
  it('turns cpu.max into CPUs, "max" into no limit', () => {
    expect(parseCpuMax('150000 100000\n')).toEqual({ ok: true, value: 1.5 });
    expect(parseCpuMax('max 100000\n')).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    expect(parseCpuMax('150000')).toMatchObject({ ok: false });
    expect(parseCpuMax('1 0')).toMatchObject({ ok: false });
    expect(parseCpuMax('-1 100000')).toMatchObject({ ok: false });
    expect(parseCpuMax('1 2 3')).toMatchObject({ ok: false });
  });

  it('turns cfs quota/period into CPUs, -1 into no limit', () => {
    expect(parseCfsQuota('200000\n', '100000\n')).toEqual({ ok: true, value: 2 });
    expect(parseCfsQuota('-1\n', '100000\n')).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    expect(parseCfsQuota('x', '100000')).toMatchObject({ ok: false });
  });

  it('turns memory.max / limit_in_bytes into bytes; "max" and v1 near-2^63 into no limit', () => {
    expect(parseMemoryLimit('4294967296\n')).toEqual({ ok: true, value: 4294967296 });
    expect(parseMemoryLimit('max\n')).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    expect(parseMemoryLimit('9223372036854771712\n')).toEqual({ ok: true, value: Number.POSITIVE_INFINITY });
    expect(parseMemoryLimit('lots')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseMemoryLimit('')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeminfo } from '../src/parse-meminfo.js';

const capture = readFileSync(new URL('./fixtures/proc-capture/meminfo', import.meta.url), 'utf8');

describe('parseMeminfo', () => {
  it('reads MemTotal and MemAvailable in bytes from a real capture', () => {
    expect(parseMeminfo(capture)).toEqual({
      ok: true,
      value: { totalBytes: 24683656 * 1024, availableBytes: 24348256 * 1024 },
    });
  });

  it('falls back to MemFree + Buffers + Cached on kernels without MemAvailable', () => {
    const text = 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 30 kB\n';
    expect(parseMeminfo(text)).toEqual({ ok: true, value: { totalBytes: 1024000, availableBytes: 150 * 1024 } });
  });

  it('rejects missing, non-numeric and impossible figures', () => {
    expect(parseMeminfo('')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseMeminfo('MemTotal: lots kB\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseMeminfo('MemTotal: 10 kB\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseMeminfo('MemTotal: 10 kB\nMemAvailable: -5 kB\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseMeminfo('MemTotal: 10 kB\nMemAvailable: 50 kB\n')).toMatchObject({ ok: false, reason: 'out_of_range' });
    expect(parseMeminfo('\u0000\u0001\u0002')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseChildren, parsePidStat } from '../src/parse-pid-stat.js';

const weird = readFileSync(new URL('./fixtures/proc-capture/pid-stat-weird-comm', import.meta.url), 'utf8');

describe('parsePidStat', () => {
  it('counts fields from the last ")" so command names with spaces and parentheses parse', () => {
    // captured from a script named "we ird) (x"
    expect(parsePidStat(weird)).toEqual({
      ok: true,
      value: { state: 'S', ppid: 7363, ticks: 0, startTicks: 756214, rssPages: 393 },
    });
  });

  it('adds user and system time', () => {
    const line = '42 (python) R 1 42 42 0 -1 4194304 0 0 0 0 700 300 5 5 20 0 8 0 1234 1000 2048 0';
    expect(parsePidStat(line)).toEqual({
      ok: true,
      value: { state: 'R', ppid: 1, ticks: 1000, startTicks: 1234, rssPages: 2048 },
    });
  });

  it('rejects truncated, non-numeric and binary lines', () => {
    expect(parsePidStat('')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parsePidStat('42 (python) R 1 42')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parsePidStat(weird.replace(' 393 ', ' x ')).ok).toBe(false);
    expect(parsePidStat(weird.replace(') S ', ') ? '))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parsePidStat('\u0000'.repeat(300))).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('parseChildren', () => {
  it('reads space-separated pids, including the empty list', () => {
    expect(parseChildren('5611 5612 ')).toEqual({ ok: true, value: [5611, 5612] });
    expect(parseChildren('')).toEqual({ ok: true, value: [] });
  });

  it('rejects anything that is not a pid', () => {
    expect(parseChildren('12 abc')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseChildren('0')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseChildren('99999999999')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProcStat } from '../src/parse-proc-stat.js';

const capture = readFileSync(new URL('./fixtures/proc-capture/stat', import.meta.url), 'utf8');

describe('parseProcStat', () => {
  it('reads busy and total ticks and the online CPUs from a real capture', () => {
    const parsed = parseProcStat(capture);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    // cpu  16191 0 2610 1491256 358 0 204 20 0 0 (idle and iowait are not busy)
    expect(parsed.value).toEqual({
      busy: 16191 + 2610 + 204 + 20,
      total: 16191 + 2610 + 1491256 + 358 + 204 + 20,
      cpus: 2,
    });
  });

  it('does not count guest time twice (it is already inside user)', () => {
    const parsed = parseProcStat('cpu  100 0 0 900 0 0 0 0 50 0\ncpu0 100 0 0 900 0 0 0 0 50 0\n');
    expect(parsed).toEqual({ ok: true, value: { busy: 100, total: 1000, cpus: 1 } });
  });

  it('rejects malformed, binary-looking, non-numeric and empty input with a reason', () => {
    expect(parseProcStat('')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('intr 1 2 3\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('cpu  1 2 x 4\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('cpu  1 2\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('cpu  1 2 -3 4\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('cpu  1e400 0 0 1\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('cpu  NaN 0 0 1\n')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseProcStat('\u0000\u00ff\u0001cpu')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('rejects a sum that is not finite (oversized counters)', () => {
    const huge = '9'.repeat(20);
    const parsed = parseProcStat(`cpu  ${huge} ${huge} ${huge} ${huge}\n`);
    expect(parsed.ok).toBe(true); // 20-digit counters are still finite doubles
    expect(parseProcStat(`cpu  ${'9'.repeat(21)} 0 0 0\n`)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('quotes a bounded piece of the offending line', () => {
    const parsed = parseProcStat(`cpu  ${'x'.repeat(10_000)}`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.detail.length).toBeLessThanOrEqual(121);
  });
});

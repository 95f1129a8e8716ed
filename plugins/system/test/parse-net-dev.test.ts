import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from '../src/parse-net-dev.js';

const capture = readFileSync(new URL('./fixtures/proc-capture/net-dev', import.meta.url), 'utf8');

describe('parseNetDev', () => {
  it('sums receive and transmit bytes over every interface but loopback', () => {
    expect(parseNetDev(capture)).toEqual({ ok: true, value: { rxBytes: 252601546, txBytes: 573862, interfaces: 3 } });
  });

  it('rejects input without headers, lines without ":" and short or non-numeric counters', () => {
    const [h1, h2] = capture.split('\n');
    expect(parseNetDev('')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseNetDev('eth0: 1 2 3')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseNetDev(`${h1}\n${h2}\neth0 1 2 3\n`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseNetDev(`${h1}\n${h2}\neth0: 1 2 3\n`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseNetDev(`${h1}\n${h2}\neth0: ${'x '.repeat(16)}\n`)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

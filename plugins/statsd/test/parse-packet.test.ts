import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStatsdPacket } from '../src/parse-packet.js';

const reasons = (packet: string | Uint8Array, maxPacketSize?: number) =>
  parseStatsdPacket(packet, { maxPacketSize }).rejections.map((r) => r.reason);

describe('parseStatsdPacket', () => {
  it('reads every statsd type, sample rates, gauge deltas and DogStatsD tags', () => {
    const packet = [
      'steps:1|c',
      'steps:-1|c|@0.1',
      'loss:0.25|g',
      'loss:+0.5|g',
      'loss:-2|g',
      'batch_time:12.5|ms|@0.5|#gpu:0,warmup',
      'tokens:3|h',
      'tokens:4|d',
      'users:alice|s',
    ].join('\n');
    expect(parseStatsdPacket(Buffer.from(packet))).toMatchInlineSnapshot(`
      {
        "rejections": [],
        "samples": [
          {
            "delta": false,
            "member": undefined,
            "name": "steps",
            "rate": 1,
            "tags": "",
            "type": "c",
            "value": 1,
          },
          {
            "delta": false,
            "member": undefined,
            "name": "steps",
            "rate": 0.1,
            "tags": "",
            "type": "c",
            "value": -1,
          },
          {
            "delta": false,
            "member": undefined,
            "name": "loss",
            "rate": 1,
            "tags": "",
            "type": "g",
            "value": 0.25,
          },
          {
            "delta": true,
            "member": undefined,
            "name": "loss",
            "rate": 1,
            "tags": "",
            "type": "g",
            "value": 0.5,
          },
          {
            "delta": true,
            "member": undefined,
            "name": "loss",
            "rate": 1,
            "tags": "",
            "type": "g",
            "value": -2,
          },
          {
            "delta": false,
            "member": undefined,
            "name": "batch_time",
            "rate": 0.5,
            "tags": "gpu:0,warmup",
            "type": "ms",
            "value": 12.5,
          },
          {
            "delta": false,
            "member": undefined,
            "name": "tokens",
            "rate": 1,
            "tags": "",
            "type": "h",
            "value": 3,
          },
          {
            "delta": false,
            "member": undefined,
            "name": "tokens",
            "rate": 1,
            "tags": "",
            "type": "d",
            "value": 4,
          },
          {
            "delta": false,
            "member": "alice",
            "name": "users",
            "rate": 1,
            "tags": "",
            "type": "s",
            "value": NaN,
          },
        ],
      }
    `);
  });

  it('reads DogStatsD multi-value lines and ignores container ids and timestamps', () => {
    const { samples, rejections } = parseStatsdPacket('lat:1:2:3|h|c:abc123|T1700000000|#a:b');
    expect(rejections).toEqual([]);
    expect(samples.map((s) => [s.value, s.tags])).toEqual([
      [1, 'a:b'],
      [2, 'a:b'],
      [3, 'a:b'],
    ]);
  });

  it('keeps NaN and infinite gauges but refuses them for aggregated types', () => {
    const { samples, rejections } = parseStatsdPacket(
      'g1:NaN|g\ng2:inf|g\ng3:-Infinity|g\ng4:1e400|g\nc1:nan|c\nt1:inf|ms\nc2:1e400|c\nh1:-1e999|h',
    );
    expect(samples.map((s) => s.value)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    expect(rejections.map((r) => r.reason)).toEqual(['non_finite', 'non_finite', 'non_finite', 'non_finite']);
  });

  it('accepts CRLF line ends, blank lines and a trailing newline', () => {
    const { samples, rejections } = parseStatsdPacket('a:1|c\r\n\r\nb:2|g\n');
    expect(samples.map((s) => s.name)).toEqual(['a', 'b']);
    expect(rejections).toEqual([]);
  });

  it('refuses each bad line by reason and keeps the good lines of the same packet', () => {
    const packet = [
      'good:1|c',
      'no_colon|c',
      'no_pipe:1',
      ':1|c',
      'name:1|',
      'name:1|x',
      'name:abc|c',
      'name:0x10|c',
      'name:|g',
      'name:1|c|@0',
      'name:1|c|@1.5',
      'name:1|c|@abc',
      'name:1|c|bogus',
      '_e{5,4}:title|text',
      '_sc|check|0',
      'set:|s',
      'also_good:2|g',
    ].join('\n');
    const { samples, rejections } = parseStatsdPacket(packet);
    expect(samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(rejections.map((r) => [r.reason, r.text])).toMatchInlineSnapshot(`
      [
        [
          "malformed",
          "no_colon|c",
        ],
        [
          "malformed",
          "no_pipe:1",
        ],
        [
          "malformed",
          ":1|c",
        ],
        [
          "malformed",
          "name:1|",
        ],
        [
          "unknown_type",
          "name:1|x",
        ],
        [
          "bad_value",
          "name:abc|c",
        ],
        [
          "bad_value",
          "name:0x10|c",
        ],
        [
          "bad_value",
          "name:|g",
        ],
        [
          "bad_sample_rate",
          "name:1|c|@0",
        ],
        [
          "bad_sample_rate",
          "name:1|c|@1.5",
        ],
        [
          "bad_sample_rate",
          "name:1|c|@abc",
        ],
        [
          "malformed",
          "name:1|c|bogus",
        ],
        [
          "unsupported",
          "_e{5,4}:title|text",
        ],
        [
          "unsupported",
          "_sc|check|0",
        ],
        [
          "bad_value",
          "set:|s",
        ],
      ]
    `);
  });

  it('refuses empty, oversized and binary packets as a whole', () => {
    expect(reasons('')).toEqual(['empty_packet']);
    expect(reasons(' \n\r\n')).toEqual(['empty_packet']);
    expect(reasons(`a:1|c\n${'b'.repeat(100)}:1|c`, 64)).toEqual(['oversized']);
    expect(reasons(new Uint8Array([0x61, 0x3a, 0x31, 0x7c, 0x63, 0x00]))).toEqual(['binary']);
    expect(reasons(Buffer.from([0x61, 0xff, 0xfe, 0x3a, 0x31, 0x7c, 0x63]))).toEqual(['binary']);
    const binary = parseStatsdPacket(Buffer.from([0x01, 0x02, 0x0a, 0x03]));
    expect(binary.rejections[0]?.text).toBe('\\u0001\\u0002\\n\\u0003');
  });

  it('takes a packet up to the UDP datagram limit', () => {
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 65_000; i++) {
      lines.push(`metric_${i}:${i}|c`);
      size += (lines.at(-1) as string).length + 1;
    }
    const { samples, rejections } = parseStatsdPacket(Buffer.from(lines.join('\n')));
    expect(rejections).toEqual([]);
    expect(samples.length).toBe(lines.length);
    expect(samples.at(-1)?.value).toBe(lines.length - 1);
  });

  it('never throws, and accounts for every non-blank line, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const { samples, rejections } = parseStatsdPacket(bytes);
        expect(samples.length + rejections.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme-ascii' }), { maxLength: 8 }), (lines) => {
        const { rejections } = parseStatsdPacket(lines.join('\n'));
        for (const r of rejections) expect(typeof r.reason).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

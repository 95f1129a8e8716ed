import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStdoutParser } from '../src/index.js';
import { fixture, parseAll, recordingParser } from './helpers/recording-sink.js';

describe('createStdoutParser', () => {
  it('keeps stdout and stderr apart when their chunks interleave mid-line', () => {
    const { parser, sink } = recordingParser();
    parser.push('{"metric": "lo', 'stdout', 1);
    parser.push('Traceback (most', 'stderr', 2);
    parser.push('ss", "value": 0.5}\nnext', 'stdout', 3);
    parser.push(' recent call last):\n', 'stderr', 4);
    parser.end('stdout', 5);
    parser.end('stderr', 6);
    expect(sink.lines.map((l) => [l.stream, l.text, l.time])).toEqual([
      ['stdout', '{"metric": "loss", "value": 0.5}', 3],
      ['stderr', 'Traceback (most recent call last):', 4],
      ['stdout', 'next', 5],
    ]);
    expect(sink.points.map((p) => [p.name, p.value, p.time])).toEqual([['loss', 0.5, 3]]);
  });

  it('reads \\r\\n line endings and a last line without a newline', () => {
    const { sink } = parseAll('{"metric": "a", "value": 1}\r\n{"metric": "a", "value": 2}');
    expect(sink.series('a').map(([, v]) => v)).toEqual([1, 2]);
    expect(sink.lines.map((l) => l.text)).toEqual(['{"metric": "a", "value": 1}', '{"metric": "a", "value": 2}']);
  });

  it('survives binary noise: logs it, counts invalid UTF-8 once per stream, keeps parsing', () => {
    const noise = randomBytes(64 * 1024);
    const input = Buffer.concat([
      Buffer.from('{"metric": "before", "value": 1}\n'),
      noise,
      Buffer.from('\n{"metric": "after", "value": 2}\n'),
    ]);
    for (const size of [Number.POSITIVE_INFINITY, 4096, 7]) {
      const { sink, parser } = parseAll(input, {}, size);
      expect(sink.points.map((p) => p.name)).toContain('before');
      expect(sink.points.map((p) => p.name)).toContain('after');
      expect(parser.stats().rejected['invalid_utf8'] ?? 0).toBeGreaterThan(0);
      expect(sink.rejections.filter((r) => r.reason === 'invalid_utf8')).toHaveLength(1);
      expect(sink.lines.some((l) => l.metadata?.invalidUtf8 === true)).toBe(true);
    }
  });

  it('cuts over-long lines, logs their start with their length, and does not read them for metrics', () => {
    const long = `{"metric": "huge", "value": 1, "pad": "${'x'.repeat(10_000)}"}`;
    const { sink, parser } = parseAll(`${long}\n${long}\n{"metric": "ok", "value": 2}\n`, { maxLineBytes: 1024 }, 500);
    expect(sink.names()).toEqual(['ok']);
    expect(parser.stats().rejected).toEqual({ line_too_long: 2 });
    expect(sink.rejections.map((r) => r.reason)).toEqual(['line_too_long']);
    expect(sink.rejections[0]?.message).toContain('maxLineBytes (1024)');
    expect(sink.lines[0]?.text).toBe(long.slice(0, 1024));
    expect(sink.lines[0]?.metadata).toEqual({ truncated: true, bytes: long.length });
  });

  it('keeps memory bounded on a line that never ends', () => {
    const { parser, sink } = recordingParser({ maxLineBytes: 4096 });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 256; i++) parser.push(chunk, 'stdout', 1); // 16 MiB without a newline
    parser.push('\nafter\n', 'stdout', 2);
    expect(sink.lines.map((l) => [l.text.length, l.metadata])).toEqual([
      [4096, { truncated: true, bytes: 16 * 1024 * 1024 }],
      [5, undefined],
    ]);
  });

  it('reads a mixed log: JSON lines, Keras, HF dicts and tqdm in one run', () => {
    const text = [
      'Loading data...',
      '{"metric": "setup_seconds", "value": 1.5}',
      fixture('keras/keras3-verbose2.txt').toString('utf8').trimEnd(),
      "{'loss': 0.25, 'epoch': 1.0}",
      '',
    ].join('\n');
    const { sink, parser } = parseAll(text);
    expect(sink.points.filter((p) => p.format === 'json').map((p) => p.name)).toEqual(['setup_seconds']);
    expect(sink.points.filter((p) => p.format === 'keras')).toHaveLength(12);
    expect(sink.points.filter((p) => p.format === 'python').map((p) => p.name)).toEqual(['loss', 'epoch']);
    expect(parser.stats()).toMatchObject({ lines: 9, points: 15, rejected: {} });
  });

  it('refuses bad options with a message naming them', () => {
    const sink = { point() {}, line() {}, reject() {} };
    expect(() => createStdoutParser(sink, { maxLineBytes: 0 })).toThrow(/maxLineBytes/);
    expect(() => createStdoutParser(sink, { batchIntervalMs: -1 })).toThrow(/batchIntervalMs/);
  });
});

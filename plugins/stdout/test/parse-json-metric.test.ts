import { describe, expect, it } from 'vitest';
import { parseAll } from './helpers/recording-sink.js';

describe('FloydHub JSON metric lines', () => {
  it('records {"metric": name, "value": number} with no x, anywhere in the output', () => {
    const { sink } = parseAll(
      'starting\n{"metric": "accuracy", "value": 0.985}\nsome log\n{"metric": "loss", "value": 1.000000}\n',
    );
    expect(sink.points.map((p) => [p.name, p.value, p.x, p.axis, p.format])).toEqual([
      ['accuracy', 0.985, Number.NaN, 'none', 'json'],
      ['loss', 1, Number.NaN, 'none', 'json'],
    ]);
    expect(sink.lines.map((l) => l.text)).toEqual([
      'starting',
      '{"metric": "accuracy", "value": 0.985}',
      'some log',
      '{"metric": "loss", "value": 1.000000}',
    ]);
  });

  it('reads a metric printed again on every line the same as its first line, for many metrics', () => {
    // Heads of recent lines are held to skip re-reading the name; 300 names are more than its 256 slots.
    const names = Array.from({ length: 300 }, (_, k) => `m${k % 7}/${'x'.repeat(k % 13)}${k}`);
    const lines: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [k, name] of names.entries()) lines.push(`{"metric": "${name}", "value": ${round}.5, "step": ${k}}`);
    }
    // A held head followed by something else: a bad value, a cut line, a longer name.
    lines.push(
      '{"metric": "m0/0", "value": "high"}',
      '{"metric": "m0/0", "value": ',
      '{"metric": "m0/0x", "value": 7}',
    );
    const { sink, parser } = parseAll(`${lines.join('\n')}\n`, {}, 97);
    expect(sink.points).toHaveLength(901);
    expect(sink.series(names[1] as string)).toEqual([
      [1, 0.5],
      [1, 1.5],
      [1, 2.5],
    ]);
    expect(sink.series('m0/0x')).toEqual([[Number.NaN, 7]]);
    expect(parser.stats().rejected).toEqual({ non_numeric_value: 1 });
    expect(sink.lines).toHaveLength(lines.length);
  });

  it('takes x from step, at or epoch (in that order) and time from timestamp', () => {
    const { sink } = parseAll(
      [
        '{"metric": "loss", "value": 0.5, "step": 10, "epoch": 2}',
        '{"value": 0.4, "at": 11, "metric": "loss"}',
        '{"metric": "loss", "value": 0.3, "epoch": 3}',
        '{"metric":"loss","value":0.2,"timestamp":1700000000.5}',
        '{"metric": "loss", "value": 0.1, "timestamp": 1700000000123}',
        '{"metric": "loss", "value": 0.0, "timestamp": "2024-01-02T03:04:05Z"}',
        '',
      ].join('\n'),
    );
    expect(sink.points.map((p) => [p.x, p.axis, p.time])).toEqual([
      [10, 'step', 1000],
      [11, 'step', 1000],
      [3, 'epoch', 1000],
      [Number.NaN, 'none', 1700000000500],
      [Number.NaN, 'none', 1700000000123],
      [Number.NaN, 'none', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ]);
  });

  it('keeps nan, inf and -0.0 values as they are, in Python and JSON spellings', () => {
    const { sink } = parseAll(
      '{"metric": "a", "value": nan}\n{"metric": "a", "value": NaN}\n{"metric": "a", "value": inf}\n' +
        '{"metric": "a", "value": -Infinity}\n{"metric": "a", "value": -0.0}\n{"metric": "a", "value": 1e-05}\n',
    );
    const values = sink.series('a').map(([, v]) => v);
    expect(values.slice(0, 2)).toEqual([Number.NaN, Number.NaN]);
    expect(values.slice(2, 4)).toEqual([Infinity, -Infinity]);
    expect(Object.is(values[4], -0)).toBe(true);
    expect(values[5]).toBe(1e-5);
  });

  it('rejects values that are not int or float, counting each and reporting once per name', () => {
    const { sink, parser } = parseAll(
      [
        '{"metric": "acc", "value": "0.98"}',
        '{"metric": "acc", "value": "0.99"}',
        '{"metric": "acc", "value": true}',
        '{"metric": "acc", "value": null}',
        '{"metric": "acc", "value": [1, 2]}',
        '{"metric": "acc", "value": 0.97}',
        '{"metric": "f1", "value": {"a": 1}}',
        '{"metric": "f1"}',
        '{"metric": 3, "value": 1}',
        '',
      ].join('\n'),
    );
    expect(sink.series('acc')).toEqual([[Number.NaN, 0.97]]);
    expect(parser.stats().rejected).toEqual({ non_numeric_value: 6, missing_value: 1, invalid_name: 1 });
    expect(sink.rejections.map((r) => [r.reason, r.name])).toEqual([
      ['non_numeric_value', 'acc'],
      ['non_numeric_value', 'f1'],
      ['missing_value', 'f1'],
      ['invalid_name', '3'],
    ]);
    expect(sink.rejections[0]?.message).toContain('"0.98" (a string)');
    expect(sink.rejections[0]?.message).toContain('only int and float');
    // Every line is still logged.
    expect(sink.lines).toHaveLength(9);
  });

  it('refuses names that break the series naming rule', () => {
    const { sink, parser } = parseAll(
      '{"metric": "a//b", "value": 1}\n{"metric": "", "value": 1}\n{"metric": "ok/name", "value": 2}\n',
    );
    expect(sink.names()).toEqual(['ok/name']);
    expect(parser.stats().rejected).toEqual({ invalid_name: 2 });
  });

  it('reads escaped names and nested lines through JSON.parse', () => {
    const { sink } = parseAll(
      '{"metric": "caf\\u00e9", "value": 1}\n{"metric": "m", "value": 2, "extra": {"a": [1]}}\n',
    );
    expect(sink.points.map((p) => [p.name, p.value])).toEqual([
      ['café', 1],
      ['m', 2],
    ]);
  });

  it('keeps the point without x when step is not a finite number', () => {
    const { sink, parser } = parseAll(
      '{"metric": "m", "value": 2, "step": "ten"}\n{"metric": "m", "value": 3, "step": inf}\n',
    );
    expect(sink.series('m')).toEqual([
      [Number.NaN, 2],
      [Number.NaN, 3],
    ]);
    expect(parser.stats().rejected).toEqual({ bad_x: 2 });
  });

  it('ignores JSON lines that are not metric lines, and can be switched off', () => {
    expect(parseAll('{"event": "start", "value": 1}\n').sink.points).toEqual([]);
    expect(parseAll('{"metric": "m", "value": 1}\n', { formats: { json: false } }).sink.points).toEqual([]);
  });
});

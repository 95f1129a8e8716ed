import { describe, expect, it } from 'vitest';
import { parseJsonLine } from '../src/index.js';

describe('parseJsonLine', () => {
  it('reads an object', () => {
    expect(parseJsonLine('{"step": 1, "loss": 0.5}')).toEqual({ ok: true, value: { step: 1, loss: 0.5 } });
  });

  it("keeps Python's NaN, Infinity and -Infinity as numbers", () => {
    const parsed = parseJsonLine('{"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN], "e": {"f": -Infinity}}');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value['a']).toBeNaN();
    expect(parsed.value['b']).toBe(Number.POSITIVE_INFINITY);
    expect(parsed.value['c']).toBe(Number.NEGATIVE_INFINITY);
    expect((parsed.value['d'] as number[])[0]).toBeNaN();
    expect((parsed.value['e'] as { f: number }).f).toBe(Number.NEGATIVE_INFINITY);
  });

  it('leaves the words NaN and Infinity inside strings alone', () => {
    const parsed = parseJsonLine('{"note": "loss was NaN, lr Infinity \\" NaN", "v": NaN}');
    expect(parsed.ok && parsed.value['note']).toBe('loss was NaN, lr Infinity " NaN');
  });

  it('keeps a string that spells the internal NaN marker a string (found by fuzzing)', () => {
    const parsed = parseJsonLine('{"tag": "\\u0000ts-nonfinite:NaN", "loss": NaN}');
    expect(parsed.ok && parsed.value['tag']).toBe('\u0000ts-nonfinite:NaN');
    expect(parsed.ok && parsed.value['loss']).toBeNaN();
  });

  it('refuses malformed, non-object and binary lines with a reason', () => {
    expect(parseJsonLine('{"step": 1, "loss": ')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseJsonLine('{"loss": NaNa}')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseJsonLine('[1, 2]')).toMatchObject({ ok: false, reason: 'not_object' });
    expect(parseJsonLine('42')).toMatchObject({ ok: false, reason: 'not_object' });
    expect(parseJsonLine('null')).toMatchObject({ ok: false, reason: 'not_object' });
    expect(parseJsonLine('\u0000\u0001\ufffd junk')).toMatchObject({ ok: false, reason: 'binary' });
  });
});

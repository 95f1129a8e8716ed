import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../src/index.js';

describe('LineSplitter', () => {
  it('cuts lines across chunk boundaries, including inside a multi-byte character', () => {
    const bytes = Buffer.from('{"a": "é"}\n{"b": "日本"}\n{"c": 1}');
    const splitter = new LineSplitter();
    const out = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...splitter.push(bytes.subarray(i, i + 3)));
    expect(out).toEqual(['{"a": "é"}', '{"b": "日本"}']);
    expect(splitter.pending).toBe(8);
    expect(splitter.consumed).toBe(bytes.length - 8);
    expect(splitter.end()).toEqual(['{"c": 1}']);
  });

  it('gives any chunking the same lines as one split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 20 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 7 }),
        (lines, size) => {
          const text = lines.map((l) => l.replaceAll('\n', ' ')).join('\n');
          const bytes = Buffer.from(text);
          const splitter = new LineSplitter();
          const out = [];
          for (let i = 0; i < bytes.length; i += size) out.push(...splitter.push(bytes.subarray(i, i + size)));
          out.push(...splitter.end());
          // A final newline ends the last line; it does not start an empty one.
          const expected = text.split('\n');
          if (text === '' || text.endsWith('\n')) expected.pop();
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  it('drops a line over the limit, keeps numbering, and never holds more than the limit', () => {
    const splitter = new LineSplitter(16);
    const out = [
      ...splitter.push(Buffer.from('{"a":1}\n')),
      ...splitter.push(Buffer.from('x'.repeat(40))),
      ...splitter.push(Buffer.from('y'.repeat(40))),
    ];
    expect(splitter.pending).toBe(0);
    out.push(...splitter.push(Buffer.from('zz\n{"b":2}\n{"c":3,"d":4,"e":5}\n')));
    expect(out).toEqual(['{"a":1}', null, '{"b":2}', null]);
    expect(splitter.consumed).toBe(8 + 80 + 3 + 8 + 20);
  });
});

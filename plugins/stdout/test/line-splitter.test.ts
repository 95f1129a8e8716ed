import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../src/line-splitter.js';

type Piece = [string, boolean, number, boolean];

function split(chunks: (string | Uint8Array)[], max = 1024): Piece[] {
  const pieces: Piece[] = [];
  const splitter = new LineSplitter(max, {
    segment: (text, start, end, eol, truncated, invalid) =>
      pieces.push([text.slice(start, end), eol, truncated, invalid]),
    wantRedraw: () => true,
  });
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return pieces;
}

describe('LineSplitter', () => {
  it('splits on \\n, \\r\\n and lone \\r (a redraw)', () => {
    expect(split(['a\nb\r\nc\rd\n'])).toEqual([
      ['a', true, 0, false],
      ['b', true, 0, false],
      ['c', false, 0, false],
      ['d', true, 0, false],
    ]);
  });

  it('joins lines split across chunks, and \\r\\n split between chunks', () => {
    expect(split(['ab', 'c\r', '\nde', 'f\r', 'g\n'])).toEqual([
      ['abc', true, 0, false],
      ['def', false, 0, false],
      ['g', true, 0, false],
    ]);
    // A line whose last piece is empty shows its last redraw, as a terminal does.
    expect(split(['x\r', '\r', '\n'])).toEqual([
      ['x', false, 0, false],
      ['x', true, 0, false],
    ]);
  });

  it('hands out the last line at the end even without a line break', () => {
    expect(split(['one\ntwo'])).toEqual([
      ['one', true, 0, false],
      ['two', true, 0, false],
    ]);
    expect(split(['tail\r'])).toEqual([['tail', true, 0, false]]);
    expect(split([''])).toEqual([]);
  });

  it('gives the same pieces for any chunking', () => {
    const alphabet = fc.constantFrom('a', 'é', '━', '\n', '\r', '\r\n', '\b', 'xyz');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }),
        (parts, sizes) => {
          const bytes = Buffer.from(parts.join(''));
          const chunks: Buffer[] = [];
          for (let i = 0, k = 0; i < bytes.length; k++) {
            const size = sizes[k % sizes.length] as number;
            chunks.push(bytes.subarray(i, i + size));
            i += size;
          }
          expect(split(chunks)).toEqual(split([bytes]));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives a piece its bytes only when they are its text, one byte per character', () => {
    const alphabet = fc.constantFrom('a', '{"x": 1}', 'é', '━', '\n', '\r', '\r\n', '\b');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        (parts, bad, size) => {
          const text = Buffer.from(parts.join(''), 'utf8');
          const bytes = bad ? Buffer.concat([Buffer.from([0x61, 0xff, 0x0a]), text]) : text;
          const splitter: LineSplitter = new LineSplitter(1024, {
            segment: (text, start, end) => {
              const base = splitter.asciiBase;
              if (base < 0) return;
              const piece = text.slice(start, end);
              for (let k = 0; k < piece.length; k++) expect(piece.charCodeAt(k)).toBeLessThan(128);
              expect(splitter.asciiBytes.toString('latin1', base + start, base + end)).toBe(piece);
            },
            wantRedraw: () => true,
          });
          for (let i = 0; i < bytes.length; i += size) splitter.push(bytes.subarray(i, i + size));
          splitter.end();
          expect(splitter.asciiBase).toBe(-1);
        },
      ),
      { numRuns: 500 },
    );
    // A run of plain ASCII lines in one chunk is mapped; one holding a non-ASCII character is not.
    const seen: number[] = [];
    const splitter: LineSplitter = new LineSplitter(1024, {
      segment: () => seen.push(splitter.asciiBase),
      wantRedraw: () => true,
    });
    splitter.push(Buffer.from('ab\ncd\n'));
    splitter.push(Buffer.from('é\nef\n'));
    expect(seen).toEqual([0, 0, -1, -1]);
  });

  it('cuts lines longer than the limit, reports their length and holds no more than the limit', () => {
    const long = 'x'.repeat(5000);
    const inOneChunk = split([`${long}\nok\n`], 100);
    expect(inOneChunk[0]).toEqual(['x'.repeat(100), true, 5000, false]);
    expect(inOneChunk[1]).toEqual(['ok', true, 0, false]);
    const chunks = Array.from({ length: 50 }, () => 'x'.repeat(100));
    const acrossChunks = split([...chunks, '\nok\n'], 100);
    expect(acrossChunks[0]).toEqual(['x'.repeat(100), true, 5000, false]);
    expect(acrossChunks[1]).toEqual(['ok', true, 0, false]);
    // A line of exactly the limit is not cut.
    expect(split(['y'.repeat(100), '\n'], 100)).toEqual([['y'.repeat(100), true, 0, false]]);
  });

  it('flags lines with invalid UTF-8, decodes them with U+FFFD and leaves other lines alone', () => {
    const bytes = Buffer.concat([
      Buffer.from('good\n'),
      Buffer.from([0x66, 0xff, 0xfe, 0x00, 0x0a]),
      Buffer.from('é\n'),
    ]);
    expect(split([bytes])).toEqual([
      ['good', true, 0, false],
      ['f\uFFFD\uFFFD\u0000', true, 0, true],
      ['é', true, 0, false],
    ]);
    // A multi-byte character split across chunks is not invalid.
    const e = Buffer.from('é\n');
    expect(split([e.subarray(0, 1), e.subarray(1)])).toEqual([['é', true, 0, false]]);
  });
});

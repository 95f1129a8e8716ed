import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../src/line-splitter.js';

function split(chunks: string[], maxLine = 16) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter(
    maxLine,
    (run) => lines.push(...run.split('\n')),
    (n) => oversized.push(n),
  );
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, oversized };
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and keeps a last line without a newline', () => {
    expect(split(['a:1|', 'c\nb:2', '|g\nc:3|c']).lines).toEqual(['a:1|c', 'b:2|g', 'c:3|c']);
  });

  it('drops an oversized line up to its newline, reports it once, and goes on', () => {
    const { lines, oversized } = split(['ok:1|c\n', 'x'.repeat(10), 'x'.repeat(10), 'x'.repeat(10), '\nnext:1|c\n']);
    expect(lines).toEqual(['ok:1|c', 'next:1|c']);
    expect(oversized).toEqual([20]);
  });

  it('drops an oversized line that arrives whole inside a chunk', () => {
    const { lines, oversized } = split([`a:1|c\n${'y'.repeat(40)}\nb:1|c\n`]);
    expect(lines).toEqual(['a:1|c', 'b:1|c']);
    expect(oversized).toEqual([40]);
  });
});

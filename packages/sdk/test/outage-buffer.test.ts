import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { ChunkNumberer, decodeChunk, encodeChunk } from '../src/chunk.js';
import { OutageBuffer } from '../src/outage-buffer.js';
import { tempDir } from './helpers/read-back.js';

const dir = tempDir('buffer');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function batch(ids: number[], from: number) {
  const n = ids.length;
  const value = Float64Array.from(ids, (_, i) => from + i);
  value[0] = Number.NaN;
  return {
    length: n,
    series: Uint32Array.from(ids),
    x: Float64Array.from(ids, (_, i) => (i % 2 ? Number.NaN : from + i)),
    time: Float64Array.from(ids, (_, i) => 1.7e12 + from + i),
    value,
  };
}

describe('outage buffer', () => {
  test('points are numbered per series across batches, so a resent batch names its positions', () => {
    const numberer = new ChunkNumberer();
    expect(Array.from(numberer.number(batch([0, 0, 1], 0)).starts)).toEqual([0, 0, 1, 0]);
    expect(Array.from(numberer.number(batch([1, 2, 0], 3)).starts)).toEqual([1, 1, 2, 0, 0, 2]);
  });

  test('a chunk survives encoding to the spill format bit for bit (NaN values and NaN x included)', () => {
    const chunk = new ChunkNumberer().number(batch([3, 1, 3, 7], 10));
    const back = decodeChunk(encodeChunk(chunk));
    expect(back.starts).toEqual(chunk.starts);
    for (const column of ['series', 'x', 'time', 'value'] as const) {
      expect(Array.from(back.batch[column])).toEqual(Array.from(chunk.batch[column]));
    }
  });

  test('past its memory bound it spills to a file, gives chunks back oldest first, and removes the file when drained', () => {
    const buffer = new OutageBuffer(10, dir, 'order');
    const numberer = new ChunkNumberer();
    for (let k = 0; k < 10; k++) buffer.push(numberer.number(batch([0, 0, 0, 0], k * 4)));
    expect(buffer.points).toBe(40);
    expect(buffer.spilledPoints).toBe(32);
    expect(existsSync(buffer.spillPath)).toBe(true);
    const firsts: number[] = [];
    for (let chunk = buffer.peek(); chunk; chunk = buffer.peek()) {
      firsts.push(chunk.starts[1] as number);
      buffer.shift();
      if (firsts.length === 5) buffer.push(numberer.number(batch([0], 40))); // arrives mid-drain
    }
    expect(firsts).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(existsSync(buffer.spillPath)).toBe(false);
  });

  test('persist puts every waiting chunk in the file, in order, for a close that cannot deliver', () => {
    const buffer = new OutageBuffer(100, dir, 'persist');
    const numberer = new ChunkNumberer();
    buffer.push(numberer.number(batch([0, 0], 0)));
    buffer.push(numberer.number(batch([0, 0], 2)));
    const path = buffer.persist();
    expect(existsSync(path)).toBe(true);
    expect(buffer.points).toBe(4);
    expect(buffer.peek()?.starts[1]).toBe(0);
  });
});

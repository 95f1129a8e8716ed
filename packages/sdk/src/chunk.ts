import type { PointBatch } from '@trainscope/core';

/**
 * A batch as it waits for delivery: points with the SDK's series ids, and for each series the
 * position of its first point in this batch within the series, counted from this experiment's
 * first point of it (the server's `start` once offset by what the series already held).
 */
export interface Chunk {
  batch: PointBatch;
  /** Pairs (series id, first position), flattened. */
  starts: Float64Array;
}

/** Numbers points per series as batches arrive, so any batch can be resent and recognised. */
export class ChunkNumberer {
  readonly #next: number[] = [];

  /** Wraps a batch as a chunk, giving each series' first point its position. */
  number(batch: PointBatch): Chunk {
    const firsts = new Map<number, number>();
    const next = this.#next;
    for (let i = 0; i < batch.length; i++) {
      const id = batch.series[i] as number;
      const at = next[id] ?? 0;
      if (!firsts.has(id)) firsts.set(id, at);
      next[id] = at + 1;
    }
    const starts = new Float64Array(firsts.size * 2);
    let k = 0;
    for (const [id, at] of firsts) {
      starts[k++] = id;
      starts[k++] = at;
    }
    return { batch, starts };
  }
}

/** Encodes a chunk as float64 words: [words, length, pairs, starts..., series..., x..., time..., value...]. */
export function encodeChunk(chunk: Chunk): Float64Array {
  const { batch, starts } = chunk;
  const n = batch.length;
  const words = 3 + starts.length + 4 * n;
  const out = new Float64Array(words);
  out[0] = words;
  out[1] = n;
  out[2] = starts.length / 2;
  out.set(starts, 3);
  let o = 3 + starts.length;
  for (let i = 0; i < n; i++) out[o + i] = batch.series[i] as number;
  o += n;
  out.set(batch.x.subarray(0, n), o);
  out.set(batch.time.subarray(0, n), o + n);
  out.set(batch.value.subarray(0, n), o + 2 * n);
  return out;
}

/** Decodes what `encodeChunk` wrote. */
export function decodeChunk(words: Float64Array): Chunk {
  const n = words[1] as number;
  const pairs = words[2] as number;
  const starts = words.slice(3, 3 + 2 * pairs);
  let o = 3 + 2 * pairs;
  const series = Uint32Array.from(words.subarray(o, o + n));
  o += n;
  return {
    starts,
    batch: {
      length: n,
      series,
      x: words.slice(o, o + n),
      time: words.slice(o + n, o + 2 * n),
      value: words.slice(o + 2 * n, o + 3 * n),
    },
  };
}

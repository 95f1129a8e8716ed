import { readFileSync } from 'node:fs';
import type { SeriesDef } from '@trainscope/core';
import { describe, expect, it } from 'vitest';
import { StatsdAggregator } from '../src/aggregator.js';
import { parseStatsdPacket } from '../src/parse-packet.js';

// Datagrams captured from hot-shots (see fixtures/README.md), parsed and aggregated as received.
const datagrams = readFileSync(new URL('./fixtures/hot-shots-datagrams.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => Buffer.from(JSON.parse(line) as string));

describe('a captured hot-shots stream', () => {
  it('parses without a refusal and aggregates to what the client sent', () => {
    const agg = new StatsdAggregator(0);
    let samples = 0;
    for (const [i, datagram] of datagrams.entries()) {
      const parsed = parseStatsdPacket(datagram);
      expect(parsed.rejections).toEqual([]);
      for (const sample of parsed.samples) expect(agg.add(sample, i)).toBeUndefined();
      samples += parsed.samples.length;
    }
    expect(samples).toBe(12 * 4 + 5);
    const points: { def: SeriesDef; value: number }[] = [];
    agg.flush(1000, (def, value) => points.push({ def, value }));
    const value = (name: string, labels: Record<string, string>) =>
      points.filter((p) => p.def.name === name && JSON.stringify(p.def.labels) === JSON.stringify(labels));
    const job = { job: 'train-42' };
    expect(value('steps', job).map((p) => p.value)).toEqual([10]);
    const loss = value('loss', { job: 'train-42', split: 'train' }).map((p) => p.value);
    expect(loss).toHaveLength(13);
    expect(loss[0]).toBe(2);
    expect(loss[12]).toBeCloseTo(0.1667 - 0.05, 10);
    expect(value('step_time/count', job)[0]?.value).toBe(12);
    expect(value('step_time/min', job)[0]?.value).toBe(103);
    expect(value('step_time/max', job)[0]?.value).toBe(136);
    expect(value('batch_tokens/count', { gpu: '0', job: 'train-42' })[0]?.value).toBe(6);
    expect(value('batch_tokens/max', { gpu: '1', job: 'train-42' })[0]?.value).toBe(4107);
    expect(value('grad_norm/mean', job)[0]?.value).toBe(1.25);
    expect(value('workers/cardinality', job)[0]?.value).toBe(2);
  });
});

import { describe, expect, inject, it } from 'vitest';
import { ServerSource } from '../src/index.js';

const server = inject('server');
const seeded = inject('seeded');

function requests(part: string): string[] {
  return performance
    .getEntriesByType('resource')
    .map((e) => e.name)
    .filter((n) => n.includes(part));
}

describe('ServerSource', () => {
  it("sends the summaries a dashboard's charts ask for in the same task as one request", async () => {
    const source = new ServerSource({ url: server });
    performance.clearResourceTimings();
    const loss = seeded.a['train/loss'] as number;
    const acc = seeded.a['train/accuracy'] as number;
    const cpu = seeded.a['cpu/usage_percent'] as number;
    const [a, b, c] = await Promise.all([
      source.summaries(seeded.runA, [loss]),
      source.summaries(seeded.runA, [acc, cpu]),
      source.summaries(seeded.runB, [seeded.b['train/loss'] as number]),
    ]);
    expect(a.map((s) => [s.series_id, s.count])).toEqual([[loss, seeded.steps]]);
    expect(b.map((s) => s.series_id)).toEqual([acc, cpu]);
    expect(c[0]!.count).toBe(5000);
    await new Promise((r) => setTimeout(r, 50));
    // One request per run, not one per call.
    expect(requests('/summaries')).toHaveLength(2);
  });

  it('shares one request between callers asking for the same run at once', async () => {
    const source = new ServerSource({ url: server });
    performance.clearResourceTimings();
    const runs = await Promise.all(Array.from({ length: 5 }, () => source.getRun(seeded.runA)));
    expect(runs.every((r) => r.name === 'resnet-a')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests(`/runs/${seeded.runA}`).filter((n) => !n.includes('/summaries'))).toHaveLength(1);
    // Later calls read again (run status changes).
    await source.getRun(seeded.runA);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests(`/runs/${seeded.runA}`).filter((n) => !n.includes('/summaries'))).toHaveLength(2);
  });
});

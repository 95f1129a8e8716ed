import type { SeriesDelta } from '@trainscope/core';
import { describe, expect, test } from 'vitest';
import { type EncodedDelta, MAX_MESSAGE_POINTS } from '../src/live/encoded-delta.js';
import { SeriesFeed } from '../src/live/series-feed.js';

const delta = (from: number, count: number): SeriesDelta => ({
  seriesId: 1,
  runId: 'r',
  from,
  x: Float64Array.from({ length: count }, (_, i) => from + i),
  xGiven: new Uint8Array(count),
  time: new Float64Array(count).fill(1.7e12),
  value: Float64Array.from({ length: count }, (_, i) => from + i),
});

const spans = (feed: SeriesFeed) => feed.runs.map((r) => [r.from, r.end]);

describe('SeriesFeed', () => {
  test('what arrives between two ticks is sealed as one run, encoded once however often it is sent', () => {
    const counters = { encoded: 0, served: 0 };
    const feed = new SeriesFeed(1, 'r', 10, counters);
    feed.append(delta(10, 5));
    feed.append(delta(15, 5));
    expect(feed.end).toBe(10); // nothing sendable before the tick
    feed.seal();
    expect(spans(feed)).toEqual([[10, 20]]);
    const run = feed.runAt(12);
    for (let k = 0; k < 100; k++) run?.message('packed');
    expect(counters).toEqual({ encoded: 1, served: 100 });
    // a cursor inside the run gets its own message, from that point on
    expect(run?.message('json', 12).toString()).toContain('"from":12');
  });

  test('points already held are skipped, a gap starts the feed over, long runs are cut', () => {
    const feed = new SeriesFeed(1, 'r', 0, { encoded: 0, served: 0 });
    feed.append(delta(0, 10));
    feed.append(delta(5, 10)); // 5..9 held already
    feed.seal();
    expect(spans(feed)).toEqual([[0, 15]]);
    expect(feed.runAt(14)?.delta.value[0]).toBe(0);
    feed.append(delta(100, 2 * MAX_MESSAGE_POINTS + 1)); // 15..99 never published here
    feed.seal();
    expect(feed.start).toBe(100);
    expect(spans(feed)).toEqual([
      [100, 100 + MAX_MESSAGE_POINTS],
      [100 + MAX_MESSAGE_POINTS, 100 + 2 * MAX_MESSAGE_POINTS],
      [100 + 2 * MAX_MESSAGE_POINTS, 101 + 2 * MAX_MESSAGE_POINTS],
    ]);
    expect(feed.runAt(50)).toBeUndefined(); // a follower there reads the store
    expect(feed.points).toBe(2 * MAX_MESSAGE_POINTS + 1);
  });

  test('evicting the oldest run moves the start; only the oldest can go', () => {
    const feed = new SeriesFeed(1, 'r', 0, { encoded: 0, served: 0 });
    for (let k = 0; k < 3; k++) {
      feed.append(delta(10 * k, 10));
      feed.seal();
    }
    const [first, second] = feed.runs;
    expect(feed.evict(second as EncodedDelta)).toBe(false);
    expect(feed.evict(first as EncodedDelta)).toBe(true);
    expect([feed.start, feed.end, feed.points]).toEqual([10, 30, 20]);
    expect(feed.holds(first as EncodedDelta)).toBe(false);
    expect(feed.runAt(5)).toBeUndefined();
  });
});

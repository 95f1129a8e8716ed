import { describe, expect, it } from 'vitest';
import { NO_STATS, type SeriesStats, summaryOfStats } from '../src/store/series-state.js';
import { STATS_FIELDS, StoredStats } from '../src/store/stored-stats.js';

const statsOf = (id: number): SeriesStats => ({
  count: id % 7,
  nonFinite: id % 3,
  finite: id % 5,
  lastV: id % 11 === 0 ? Number.NaN : id / 3,
  lastX: id,
  lastT: id % 13 === 0 ? Number.POSITIVE_INFINITY : id * 10,
  min: id % 17 === 0 ? Number.NEGATIVE_INFINITY : -id,
  max: id,
  mean: id / 7,
  m2: id * 2,
});

describe('StoredStats', () => {
  it('summarizes what was set, row by row or from columns, as summaryOfStats does', () => {
    const stored = new StoredStats();
    // Ids with the same low bits and a run's neighbours, past the first growth of the arrays.
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? i * 4096 : 0xffffffff - i));
    for (const id of ids.slice(0, 2500)) stored.set(id, statsOf(id));
    const rest = ids.slice(2500);
    const columns = STATS_FIELDS.map((field) => Float64Array.from(rest, (id) => statsOf(id)[field]));
    // Every other row picked, then the others: each id set once, from its own row.
    const picked = rest.map((_, i) => i);
    stored.setRows(
      rest,
      columns,
      picked.filter((i) => i % 2 === 0),
    );
    stored.setRows(
      rest,
      columns,
      picked.filter((i) => i % 2 === 1),
    );
    expect(stored.size).toBe(5000);
    for (const id of ids) expect(stored.summary(id)).toEqual(summaryOfStats(id, statsOf(id)));
    expect(stored.has(1)).toBe(false);
    expect(stored.summary(1)).toBeUndefined();
  });

  it('overwrites in place and trims the series set first', () => {
    const stored = new StoredStats();
    for (let id = 1; id <= 3000; id++) stored.set(id, statsOf(id));
    stored.set(1, NO_STATS);
    expect(stored.summary(1)).toEqual(summaryOfStats(1, NO_STATS));
    stored.trim(1000);
    expect(stored.size).toBe(1000);
    expect(stored.has(1)).toBe(false);
    expect(stored.has(2000)).toBe(false);
    for (let id = 2001; id <= 3000; id++) expect(stored.summary(id)).toEqual(summaryOfStats(id, statsOf(id)));
    // Set again after the trim: a new row, the others unchanged.
    stored.set(5, statsOf(5));
    expect(stored.summary(5)).toEqual(summaryOfStats(5, statsOf(5)));
    expect(stored.summary(3000)).toEqual(summaryOfStats(3000, statsOf(3000)));
    stored.trim(0);
    expect(stored.size).toBe(0);
    expect(stored.has(3000)).toBe(false);
  });
});

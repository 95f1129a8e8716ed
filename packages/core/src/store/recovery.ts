import type { DuckDBConnection } from '@duckdb/node-api';
import { LEVEL_COUNT, LEVEL_STEP } from '../m4.js';
import { aggTable } from './schema.js';

/** What `repairStore` found and fixed. */
export interface StoreRepair {
  /** Points of flushes that never committed, removed. */
  uncommitted: number;
  /** Second copies of committed points, removed. */
  duplicates: number;
  /** Series whose M4 levels were rebuilt from their points. */
  rebuiltLevels: number[];
  /**
   * Series whose newest bucket of each level was recomputed (the writer holds those in memory
   * until a later bucket starts, so an owner that died leaves them out of the tables).
   */
  refilledLevels: number[];
}

/** Up to this many series, level 0's newest buckets are recomputed one series at a time (pruned scans). */
const PER_SERIES_REFILL = 2000;

/** Points of a series' newest bucket at a level that the writer still holds in memory (0 for none). */
export type HeldCount = (seriesId: number, level: number) => number;

/**
 * Brings the points, statistics and M4 levels back in agreement after DuckDB replayed its log
 * (an unclean shutdown, or a database reopened after a failed write), taking the statistics as
 * the record of what committed. `source` names every point, hot and cold (`points_all`).
 * Each step derives from the data alone, so running it again after another failure is safe.
 */
export async function repairStore(c: DuckDBConnection, source: string): Promise<StoreRepair> {
  const points = await repairPoints(c, source);
  const levels = await repairLevels(c, source);
  return { ...points, ...levels };
}

/** The points half of `repairStore`: stray and doubled points removed. */
export async function repairPoints(
  c: DuckDBConnection,
  source: string,
): Promise<{ uncommitted: number; duplicates: number }> {
  // One grouped scan finds the series that hold points the statistics do not count; the repairs
  // below then touch those series alone.
  const found = await c.runAndReadAll(`
    SELECT a.series_id, a.held, a.top, coalesce(s.count, 0) FROM
      (SELECT series_id, count(*) AS held, max(n) AS top FROM ${source} GROUP BY series_id) a
      LEFT JOIN series_stats s ON s.series_id = a.series_id
    WHERE a.held <> coalesce(s.count, 0) OR a.top >= coalesce(s.count, 0)`);
  const off = found.getRows().map((r) => r.map(Number) as [number, number, number, number]);
  if (off.length === 0) return { uncommitted: 0, duplicates: 0 };
  const uncommitted = await dropUncommittedPoints(
    c,
    off.filter(([, , top, count]) => top >= count).map(([id, , , count]) => [id, count]),
  );
  const removed = new Map(uncommitted.bySeries);
  const duplicates = await dropDuplicatePoints(
    c,
    off.filter(([id, held, , count]) => held - (removed.get(id) ?? 0) > count).map(([id]) => id),
  );
  // Fold the repair into the database file now, so the log that held the stray entries is gone.
  if (uncommitted.total + duplicates > 0) await c.run('CHECKPOINT');
  return { uncommitted: uncommitted.total, duplicates };
}

/**
 * The levels half of `repairStore`: every series whose level rows, with what the writer holds in
 * memory (`held`), do not count as many points as its statistics gets its newest bucket of each
 * level recomputed (what an owner that died held in memory); a series still off after that has
 * its levels rebuilt from all its points.
 */
export async function repairLevels(
  c: DuckDBConnection,
  source: string,
  held: HeldCount = () => 0,
  perSeriesRefill = PER_SERIES_REFILL,
): Promise<{ rebuiltLevels: number[]; refilledLevels: number[] }> {
  const first = await staleLevels(c, held);
  if (first.stale.size === 0) return { rebuiltLevels: [], refilledLevels: [] };
  const refill = [...first.stale].filter((id) => {
    const e = first.expected.get(id);
    return e !== undefined && e.baseExp !== null && e.count > 0 && levelsOf(id, held).every((n) => n === 0);
  });
  if (refill.length > 0) await refillNewestBuckets(c, source, refill, perSeriesRefill);
  const second = refill.length > 0 ? await staleLevels(c, held) : first;
  const rebuiltLevels = [...second.stale];
  if (rebuiltLevels.length > 0) await rebuildLevels(c, source, rebuiltLevels, second.expected);
  if (refill.length + rebuiltLevels.length > 0) await c.run('CHECKPOINT');
  const rebuilt = new Set(rebuiltLevels);
  return { rebuiltLevels, refilledLevels: refill.filter((id) => !rebuilt.has(id)) };
}

function levelsOf(id: number, held: HeldCount): number[] {
  return Array.from({ length: LEVEL_COUNT }, (_, level) => held(id, level));
}

interface Expected {
  count: number;
  baseExp: number | null;
}

/** Series whose level rows plus held buckets do not count their points, per level. */
async function staleLevels(
  c: DuckDBConnection,
  held: HeldCount,
): Promise<{ stale: Set<number>; expected: Map<number, Expected> }> {
  const counts = (await c.runAndReadAll('SELECT series_id, count, base_exp FROM series_stats')).getRows();
  const expected = new Map<number, Expected>(
    counts.map((r) => [Number(r[0]), { count: Number(r[1]), baseExp: r[2] == null ? null : Number(r[2]) }]),
  );
  const stale = new Set<number>();
  for (let level = 0; level < LEVEL_COUNT; level++) {
    const inTable = new Map(
      (await c.runAndReadAll(`SELECT series_id, sum(cnt) FROM ${aggTable(level)} GROUP BY series_id`))
        .getRows()
        .map((r) => [Number(r[0]), Number(r[1])]),
    );
    for (const [id, { count }] of expected) {
      if ((inTable.get(id) ?? 0) + held(id, level) !== count) stale.add(id);
    }
    for (const id of inTable.keys()) if (!expected.has(id)) stale.add(id);
  }
  return { stale, expected };
}

/**
 * Recomputes, for each of `ids`, the bucket of each level that holds its greatest x (where the
 * writer keeps its newest buckets): level 0 from the points, each coarser level from the rows of
 * the level below (M4 of M4 is exact). The rows there (written when the series last went idle)
 * are replaced.
 */
async function refillNewestBuckets(
  c: DuckDBConnection,
  source: string,
  ids: number[],
  perSeriesLimit: number,
): Promise<void> {
  const fan = 2 ** LEVEL_STEP;
  await c.run('BEGIN TRANSACTION');
  try {
    await c.run('CREATE OR REPLACE TEMP TABLE refill (series_id UINTEGER, base_exp SMALLINT, last_x DOUBLE)');
    for (let i = 0; i < ids.length; i += 10_000) {
      await c.run(
        `INSERT INTO refill SELECT series_id, base_exp, last_x FROM series_stats
         WHERE series_id IN (${ids.slice(i, i + 10_000).join(',')})`,
      );
    }
    const real = 'FILTER (WHERE NOT isnan(v))';
    for (let level = 0; level < LEVEL_COUNT; level++) {
      const table = aggTable(level);
      const exp = `(r.base_exp + ${LEVEL_STEP * level})`;
      const newest = `floor(r.last_x * pow(2.0, -${exp}))`;
      await c.run(`DELETE FROM ${table} WHERE (series_id, b) IN (SELECT r.series_id, ${newest} FROM refill r)`);
      if (level === 0) {
        const m4 = `count(*), count(*) FILTER (WHERE isnan(v)),
             min(x), arg_min(v, (x, n)), max(x), arg_max(v, (x, n)),
             arg_min(x, (v, n)) ${real}, min(v) ${real}, arg_max(x, (v, -n)) ${real}, max(v) ${real}`;
        if (ids.length <= perSeriesLimit) {
          // One query per series with the bucket's x range as constants, which the scan prunes
          // row groups by: the newest bucket's points sit in the newest row groups.
          const targets = (await c.runAndReadAll('SELECT series_id, base_exp, last_x FROM refill')).getRows();
          for (const [id, baseExp, lastX] of targets.map((r) => r.map(Number))) {
            const width = 2 ** (baseExp as number);
            const b = Math.floor((lastX as number) / width);
            await c.run(
              `INSERT INTO ${table} SELECT series_id, ?, ?, ${m4} FROM ${source}
               WHERE series_id = ?::UINTEGER AND x >= ? AND x < ? GROUP BY series_id`,
              [baseExp as number, b, id as number, b * width, (b + 1) * width],
            );
          }
        } else {
          await c.run(
            `INSERT INTO ${table}
             SELECT series_id, any_value(e), b, ${m4}
             FROM (SELECT p.series_id, p.n, p.x, p.v, ${exp} AS e, ${newest} AS b
                   FROM ${source} p JOIN refill r ON p.series_id = r.series_id
                   WHERE floor(p.x * pow(2.0, -${exp})) = ${newest})
             GROUP BY series_id, b`,
          );
        }
      } else {
        const some = 'FILTER (WHERE nv IS NOT NULL)';
        const somemax = 'FILTER (WHERE mv IS NOT NULL)';
        await c.run(
          `INSERT INTO ${table}
           SELECT series_id, any_value(e), nb, sum(cnt), sum(nan_cnt),
             min(fx), arg_min(fv, fx), max(lx), arg_max(lv, lx),
             arg_min(nx, (nv, nx)) ${some}, min(nv) ${some}, arg_max(mx, (mv, -mx)) ${somemax}, max(mv) ${somemax}
           FROM (SELECT a.*, ${exp} AS e, ${newest} AS nb
                 FROM ${aggTable(level - 1)} a JOIN refill r ON a.series_id = r.series_id
                 WHERE floor(a.b / ${fan}) = ${newest})
           GROUP BY series_id, nb`,
        );
      }
    }
    await c.run('DROP TABLE refill');
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Removes second copies of points. When a checkpoint wrote the database file but could not
 * remove the log after it (the directory turned read-only), DuckDB replays that log again on
 * the next open: the statistics (written whole) come out right, the appended points twice.
 * Each of `doubled` (series holding more points than their statistics count) keeps the first
 * copy of each number. Returns how many rows were removed.
 */
export async function dropDuplicatePoints(c: DuckDBConnection, doubled: number[]): Promise<number> {
  if (doubled.length === 0) return 0;
  let removed = 0;
  await c.run('BEGIN TRANSACTION');
  try {
    for (const id of doubled) {
      const result = await c.run(
        `DELETE FROM points WHERE series_id = ? AND rowid IN (
           SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY n ORDER BY rowid) AS k
                              FROM points WHERE series_id = ?) WHERE k > 1)`,
        [id, id],
      );
      removed += Number(result.rowsChanged);
    }
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
  return removed;
}

/**
 * Removes points that a write-ahead-log replay brought back from a flush that never committed.
 *
 * A flush writes points, M4 levels and `series_stats` in one transaction. DuckDB (1.5.6) writes
 * a large append straight to the database file and logs only a `ROW_GROUP_DATA` entry pointing at
 * it; when the process dies after that entry reached the log but before the commit marker did,
 * the next open replays that entry anyway while dropping the rest of the transaction. The points
 * of the interrupted flush then show up without their statistics and levels, and a writer that
 * continues from the statistics numbers its next points from where they start: each point twice.
 *
 * Point numbers are handed out from the committed statistics, so every committed point has
 * `n < series_stats.count`, and a point at or beyond it (or of a series without statistics) can
 * only come from such a replay. Removes, for each of `stray`, the points at or beyond its
 * committed count; returns how many were removed, in all and per series.
 */
export async function dropUncommittedPoints(
  c: DuckDBConnection,
  stray: [seriesId: number, committed: number][],
): Promise<{ total: number; bySeries: [number, number][] }> {
  if (stray.length === 0) return { total: 0, bySeries: [] };
  const bySeries: [number, number][] = [];
  await c.run('BEGIN TRANSACTION');
  try {
    for (const [id, committed] of stray) {
      const result = await c.run('DELETE FROM points WHERE series_id = ? AND n >= ?', [id, committed]);
      bySeries.push([id, Number(result.rowsChanged)]);
    }
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
  return { total: bySeries.reduce((sum, [, n]) => sum + n, 0), bySeries };
}

/**
 * Rebuilds the M4 levels of series whose levels do not count as many points as their statistics
 * (the same replay can bring back a large insert into a level table without the rest of its
 * flush). Levels are recomputed from the points (`source`: hot and cold), with the same choices
 * as the ingest path: first and last by x (first arrival and latest arrival on ties), min and max
 * skipping NaN (first arrival on ties).
 */
async function rebuildLevels(
  c: DuckDBConnection,
  source: string,
  stale: number[],
  expected: Map<number, Expected>,
): Promise<void> {
  await c.run('BEGIN TRANSACTION');
  try {
    for (const id of stale) {
      const baseExp = expected.get(id)?.baseExp;
      for (let level = 0; level < LEVEL_COUNT; level++) {
        await c.run(`DELETE FROM ${aggTable(level)} WHERE series_id = ?`, [id]);
        if (baseExp == null) continue;
        const exp = Number(baseExp) + LEVEL_STEP * level;
        const real = 'FILTER (WHERE NOT isnan(v))';
        await c.run(
          `INSERT INTO ${aggTable(level)}
           SELECT series_id, ${exp}, b, count(*), count(*) FILTER (WHERE isnan(v)),
             min(x), arg_min(v, (x, n)), max(x), arg_max(v, (x, n)),
             arg_min(x, (v, n)) ${real}, min(v) ${real}, arg_max(x, (v, -n)) ${real}, max(v) ${real}
           FROM (SELECT series_id, n, x, v, floor(x * ${2 ** -exp}::DOUBLE) AS b FROM ${source} WHERE series_id = ?)
           GROUP BY series_id, b`,
          [id],
        );
      }
    }
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
}

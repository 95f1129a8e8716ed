import { DuckDBInstance } from '@duckdb/node-api';
import { DB_FILE, LEVEL_COUNT, LEVEL_STEP } from '@trainscope/core';

/** What an integrity check found: empty `problems` means the store is consistent. */
export interface IntegrityReport {
  /** Points per series id. */
  counts: Map<number, number>;
  problems: string[];
}

type Row = Record<string, unknown>;

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number | null));

/** Options of `checkIntegrity`. */
export interface IntegrityOptions {
  /** The crash writer's data: point n has x = n and value = n. */
  valueIsN?: boolean;
  /**
   * Looks for points stored twice (and, with `valueIsN`, at the wrong place) only among point
   * numbers from here on; the points before, which an earlier check read one by one, are then
   * covered by the whole-table checks (per series: count, first and last n, and the sum of n,
   * which any one point stored twice in place of another changes). Every other check still reads
   * everything. @default 0
   */
  fromN?: number;
}

/**
 * Checks a closed store's database file directly (read-only): no (series, n) twice; point
 * numbers contiguous from 0; `series_stats` (count, finite count, min, max, last) matching the
 * points; each M4 level holding every point once (count, NaN count, min and max per series) on a
 * single grid per series and level. With `valueIsN` (the crash writer's data), also that point n
 * has x = n and value = n, so a point stored at the wrong place shows.
 */
export async function checkIntegrity(storeDir: string, options: IntegrityOptions = {}): Promise<IntegrityReport> {
  const instance = await DuckDBInstance.create(`${storeDir}/${DB_FILE}`, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const rows = async (sql: string): Promise<Row[]> => (await connection.runAndReadAll(sql)).getRowObjects() as Row[];
  const problems: string[] = [];
  try {
    const fromN = Math.max(0, Math.floor(options.fromN ?? 0));
    const dups = await rows(
      `SELECT series_id, n, count(*) AS c FROM points WHERE n >= ${fromN} GROUP BY ALL HAVING count(*) > 1 LIMIT 5`,
    );
    for (const d of dups) problems.push(`series ${d['series_id']} holds point n=${d['n']} ${d['c']} times`);
    if (options.valueIsN) {
      const wrong = await rows(
        `SELECT series_id, n, x, v FROM points WHERE n >= ${fromN} AND (v <> n OR x <> n) LIMIT 5`,
      );
      for (const w of wrong) problems.push(`series ${w['series_id']} point ${w['n']} has x=${w['x']} v=${w['v']}`);
    }
    const points = await rows(`
      SELECT series_id, count(*) AS cnt, min(n) AS min_n, max(n) AS max_n,
        count(*) FILTER (WHERE isfinite(v)) AS finite, count(*) FILTER (WHERE isnan(v)) AS nans,
        min(v) FILTER (WHERE isfinite(v)) AS min_v, max(v) FILTER (WHERE isfinite(v)) AS max_v,
        min(v) FILTER (WHERE NOT isnan(v)) AS lo, max(v) FILTER (WHERE NOT isnan(v)) AS hi,
        arg_max(v, n) AS last_v, sum(n)::VARCHAR AS sum_n
      FROM points GROUP BY series_id`);
    const stats = new Map((await rows('SELECT * FROM series_stats')).map((r) => [num(r['series_id']) as number, r]));
    const counts = new Map<number, number>();
    for (const p of points) {
      const id = num(p['series_id']) as number;
      const cnt = num(p['cnt']) as number;
      counts.set(id, cnt);
      if (num(p['min_n']) !== 0 || num(p['max_n']) !== cnt - 1) {
        problems.push(`series ${id}: point numbers ${p['min_n']}..${p['max_n']} for ${cnt} points`);
      } else if (BigInt(p['sum_n'] as string) !== (BigInt(cnt) * BigInt(cnt - 1)) / 2n) {
        // 0..cnt-1 once each sums to cnt(cnt-1)/2: a point twice with another missing does not.
        problems.push(`series ${id}: point numbers 0..${cnt - 1} are not each stored once (sum ${p['sum_n']})`);
      }
      const s = stats.get(id);
      if (!s) {
        problems.push(`series ${id} has points but no series_stats row`);
        continue;
      }
      const same = (a: unknown, b: unknown) => Object.is(num(a), num(b)) || num(a) === num(b);
      if (!same(s['count'], cnt)) problems.push(`series ${id}: stats count ${s['count']} != ${cnt} points`);
      if (!same(s['finite'], p['finite'])) problems.push(`series ${id}: stats finite ${s['finite']} != ${p['finite']}`);
      if (num(p['finite']) && (!same(s['min_v'], p['min_v']) || !same(s['max_v'], p['max_v']))) {
        problems.push(`series ${id}: stats min/max ${s['min_v']}/${s['max_v']} != ${p['min_v']}/${p['max_v']}`);
      }
      if (!same(s['last_v'], p['last_v'])) problems.push(`series ${id}: stats last ${s['last_v']} != ${p['last_v']}`);
    }
    for (const [id, s] of stats) {
      if (!counts.has(id) && num(s['count']) !== 0)
        problems.push(`series ${id}: stats count ${s['count']} with no points`);
    }
    for (let level = 0; level < LEVEL_COUNT; level++) {
      const agg = await rows(`
        SELECT series_id, sum(cnt) AS cnt, sum(nan_cnt) AS nans, min(nv) AS lo, max(mv) AS hi,
          count(DISTINCT exp) AS grids, min(exp) AS exp
        FROM agg${level} GROUP BY series_id`);
      const byId = new Map(agg.map((a) => [num(a['series_id']) as number, a]));
      for (const p of points) {
        const id = num(p['series_id']) as number;
        const a = byId.get(id);
        const where = `series ${id} level ${level}`;
        if (!a) {
          problems.push(`${where}: no buckets for ${p['cnt']} points`);
          continue;
        }
        if (num(a['cnt']) !== num(p['cnt']))
          problems.push(`${where}: buckets count ${a['cnt']} points, table ${p['cnt']}`);
        if (num(a['nans']) !== num(p['nans']))
          problems.push(`${where}: buckets count ${a['nans']} NaN, table ${p['nans']}`);
        if (num(p['lo']) !== null && (num(a['lo']) !== num(p['lo']) || num(a['hi']) !== num(p['hi']))) {
          problems.push(`${where}: buckets min/max ${a['lo']}/${a['hi']}, points ${p['lo']}/${p['hi']}`);
        }
        if (num(a['grids']) !== 1) problems.push(`${where}: buckets on ${a['grids']} grids`);
        const base = num(stats.get(id)?.['base_exp']);
        if (base !== null && num(a['exp']) !== base + LEVEL_STEP * level) {
          problems.push(`${where}: grid 2^${a['exp']}, expected 2^${base + LEVEL_STEP * level}`);
        }
      }
    }
    return { counts, problems };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

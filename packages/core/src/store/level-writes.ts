import { DOUBLE, type DuckDBConnection, SMALLINT, UINTEGER, UTINYINT } from '@duckdb/node-api';
import { LEVEL_COUNT, M4_WIDTH, type M4Columns, packM4 } from '../m4.js';
import { ChunkAppender } from './chunk-appender.js';
import { aggTable } from './schema.js';

/** Rows of one kind, columnar: level, series, exponent, then the bucket packed as `packM4` lays it out. */
class Rows {
  length = 0;
  level = new Uint8Array(64);
  series = new Uint32Array(64);
  exp = new Int16Array(64);
  /** `M4_WIDTH` values a row. */
  m4 = new Float64Array(64 * M4_WIDTH);

  push(level: number, series: number, exp: number): number {
    if (this.length === this.level.length) {
      const grow = <T extends Uint8Array | Uint32Array | Int16Array | Float64Array>(a: T, n: number): T => {
        const next = new (a.constructor as new (n: number) => T)(n);
        next.set(a);
        return next;
      };
      this.level = grow(this.level, this.length * 2);
      this.series = grow(this.series, this.length * 2);
      this.exp = grow(this.exp, this.length * 2);
      this.m4 = grow(this.m4, this.length * 2 * M4_WIDTH);
    }
    this.level[this.length] = level;
    this.series[this.length] = series;
    this.exp[this.length] = exp;
    return this.length++;
  }

  /** Columns in table order (bucket, count, nanCount, firstX ... maxV) and the validity of min/max. */
  columns(): { values: Float64Array[]; minMaxValid: Uint8Array } {
    const n = this.length;
    const values = Array.from({ length: M4_WIDTH }, () => new Float64Array(n));
    const minMaxValid = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const at = r * M4_WIDTH;
      for (let k = 0; k < M4_WIDTH; k++) (values[k] as Float64Array)[r] = this.m4[at + k] as number;
      // A bucket of only NaN has no min or max: stored as NULL, which least/greatest skip.
      minMaxValid[r] = Number.isNaN(this.m4[at + 8]) ? 0 : 1;
    }
    return { values, minMaxValid };
  }
}

const LEVEL_TYPES = [UINTEGER, SMALLINT, ...Array.from({ length: M4_WIDTH }, () => DOUBLE)];
const STAGE_TYPES = [UTINYINT, UINTEGER, SMALLINT, ...Array.from({ length: M4_WIDTH }, () => DOUBLE)];

/**
 * The M4 level rows one flush writes. A row for a bucket the level table cannot hold yet (above
 * the series' written mark for that level) is appended; any other is merged into the row there
 * by upsert, which costs a statement per level and an index probe per row, so it is kept for
 * what needs it: points arriving out of order, and buckets written before (a series that went
 * idle, or a store reopened).
 */
export class LevelWrites {
  readonly #append = Array.from({ length: LEVEL_COUNT }, () => new Rows());
  readonly #merge = new Rows();
  static readonly #levelAppender = new ChunkAppender(LEVEL_TYPES);
  static readonly #stageAppender = new ChunkAppender(STAGE_TYPES);

  /** Adds bucket `i` of `cols` at `level`, and raises `written[level]` to it. */
  add(level: number, series: number, exp: number, cols: M4Columns, i: number, written: Float64Array): void {
    const b = cols.bucket[i] as number;
    const rows = b > (written[level] as number) ? (this.#append[level] as Rows) : this.#merge;
    const row = rows.push(level, series, exp); // may grow rows.m4: before reading it
    packM4(cols, i, rows.m4, row);
    if (b > (written[level] as number)) written[level] = b;
  }

  /** Rows this flush merges into rows already there by upsert (the rest are appended). */
  get merged(): number {
    return this.#merge.length;
  }

  get size(): number {
    return this.#append.reduce((n, r) => n + r.length, this.#merge.length);
  }

  /** Writes the rows inside the caller's transaction. */
  async write(c: DuckDBConnection): Promise<void> {
    for (let level = 0; level < LEVEL_COUNT; level++) {
      const rows = this.#append[level] as Rows;
      if (rows.length === 0) continue;
      const { values, minMaxValid } = rows.columns();
      const appender = await c.createAppender(aggTable(level));
      // series, exp, bucket, count, nanCount, first x/v, last x/v: never NULL; min x/v, max x/v: maybe
      const validity = [
        ...Array.from({ length: 9 }, () => undefined),
        minMaxValid,
        minMaxValid,
        minMaxValid,
        minMaxValid,
      ];
      LevelWrites.#levelAppender.append(appender, [rows.series, rows.exp, ...values], 0, rows.length, validity);
      appender.closeSync();
    }
    const merge = this.#merge;
    if (merge.length === 0) return;
    const { values } = merge.columns();
    const stage = await c.createAppender('agg_stage');
    LevelWrites.#stageAppender.append(stage, [merge.level, merge.series, merge.exp, ...values], 0, merge.length);
    stage.closeSync();
    const levels = new Set(merge.level.subarray(0, merge.length));
    for (const level of [...levels].sort()) await c.run(mergeLevelSql(level));
    await c.run('DELETE FROM agg_stage');
  }
}

/**
 * Merges staged buckets into a level. NaN in a min/max column means "no non-NaN value" and is
 * stored as NULL so that least/greatest skip it. The row there is the older one: it keeps its
 * first point and min/max on ties, the staged one wins the last point on a tie.
 */
const mergeLevelSql = (level: number) => `
INSERT INTO ${aggTable(level)}
SELECT series_id, exp, b, cnt, nan_cnt, fx, fv, lx, lv,
  CASE WHEN isnan(nv) THEN NULL ELSE nx END, CASE WHEN isnan(nv) THEN NULL ELSE nv END,
  CASE WHEN isnan(mv) THEN NULL ELSE mx END, CASE WHEN isnan(mv) THEN NULL ELSE mv END
FROM agg_stage WHERE lvl = ${level}
ON CONFLICT (series_id, b) DO UPDATE SET
  cnt = cnt + excluded.cnt,
  nan_cnt = nan_cnt + excluded.nan_cnt,
  fv = CASE WHEN excluded.fx < fx THEN excluded.fv ELSE fv END,
  fx = least(fx, excluded.fx),
  lv = CASE WHEN excluded.lx >= lx THEN excluded.lv ELSE lv END,
  lx = greatest(lx, excluded.lx),
  nx = CASE WHEN nv IS NULL OR excluded.nv < nv THEN excluded.nx ELSE nx END,
  nv = least(nv, excluded.nv),
  mx = CASE WHEN mv IS NULL OR excluded.mv > mv THEN excluded.mx ELSE mx END,
  mv = greatest(mv, excluded.mv)
`;

import type { DuckDBConnection } from '@duckdb/node-api';
import { LEVEL_COUNT } from '../m4.js';

/** Table holding M4 level `level` of every series (one table per level keeps coarse reads small). */
export function aggTable(level: number): string {
  return `agg${level}`;
}

const AGG_DDL = Array.from(
  { length: LEVEL_COUNT },
  (_, level) => `
CREATE TABLE IF NOT EXISTS ${aggTable(level)} (
  series_id UINTEGER NOT NULL,
  exp SMALLINT NOT NULL,
  b DOUBLE NOT NULL,
  cnt DOUBLE NOT NULL,
  nan_cnt DOUBLE NOT NULL,
  fx DOUBLE, fv DOUBLE, lx DOUBLE, lv DOUBLE,
  nx DOUBLE, nv DOUBLE, mx DOUBLE, mv DOUBLE,
  PRIMARY KEY (series_id, b)
);`,
).join('\n');

/** Schema version this code writes. Bump it and add a migration when tables change. */
export const SCHEMA_VERSION = 2;

/**
 * A series' statistics live in two tables, one per writer connection (see `Ingestor`): a flush
 * replaces its series' rows in the table of the connection it runs on, so two flushes in flight at
 * once (one committing while the next is written) never update the same rows, which DuckDB would
 * refuse as a write conflict. A series' statistics are the row with the greater count.
 */
export const STATS_TABLES = ['series_stats_a', 'series_stats_b'] as const;

const STATS_COLUMNS_DDL = `
  series_id UINTEGER PRIMARY KEY,
  count BIGINT NOT NULL,
  non_finite BIGINT NOT NULL,
  finite BIGINT NOT NULL,
  last_v DOUBLE,
  last_x DOUBLE,
  last_t DOUBLE,
  min_v DOUBLE,
  max_v DOUBLE,
  mean DOUBLE,
  m2 DOUBLE,
  base_exp SMALLINT
`;

const STATS_DDL = `${STATS_TABLES.map((t) => `CREATE TABLE IF NOT EXISTS ${t} (${STATS_COLUMNS_DDL});`).join('\n')}
CREATE OR REPLACE VIEW series_stats AS
  SELECT * FROM series_stats_a a
    WHERE NOT EXISTS (SELECT 1 FROM series_stats_b b WHERE b.series_id = a.series_id AND b.count > a.count)
  UNION ALL
  SELECT * FROM series_stats_b b
    WHERE NOT EXISTS (SELECT 1 FROM series_stats_a a WHERE a.series_id = b.series_id AND a.count >= b.count);`;

/** Tables of a fresh store. */
export const SCHEMA_DDL = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
  id VARCHAR PRIMARY KEY,
  project VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  created_at DOUBLE NOT NULL,
  started_at DOUBLE,
  ended_at DOUBLE,
  exit_code INTEGER,
  error_message VARCHAR,
  params JSON,
  tags JSON,
  host JSON
);
CREATE TABLE IF NOT EXISTS series (
  id UINTEGER PRIMARY KEY,
  run_id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  type VARCHAR NOT NULL,
  grp VARCHAR,
  x_scale JSON,
  scale JSON,
  unit VARCHAR,
  labels JSON,
  label_key VARCHAR NOT NULL
);
${STATS_DDL}
CREATE TABLE IF NOT EXISTS points (
  series_id UINTEGER NOT NULL,
  n BIGINT NOT NULL,
  x DOUBLE NOT NULL,
  t DOUBLE NOT NULL,
  v DOUBLE,
  xa BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS logs (
  run_id VARCHAR NOT NULL,
  n BIGINT NOT NULL,
  t DOUBLE NOT NULL,
  stream VARCHAR NOT NULL,
  level VARCHAR NOT NULL,
  text VARCHAR NOT NULL,
  metadata JSON
);
CREATE TABLE IF NOT EXISTS cold_files (
  path VARCHAR PRIMARY KEY,
  created_at DOUBLE NOT NULL,
  rows BIGINT NOT NULL,
  min_t DOUBLE,
  max_t DOUBLE
);
${AGG_DDL}
`;

/** Staging tables, temporary to each connection that bulk-merges through them. */
export const STAGE_DDL = `
CREATE TEMP TABLE IF NOT EXISTS agg_stage (
  lvl UTINYINT, series_id UINTEGER, exp SMALLINT, b DOUBLE, cnt DOUBLE, nan_cnt DOUBLE,
  fx DOUBLE, fv DOUBLE, lx DOUBLE, lv DOUBLE, nx DOUBLE, nv DOUBLE, mx DOUBLE, mv DOUBLE
);
CREATE TEMP TABLE IF NOT EXISTS stats_stage (
  series_id UINTEGER, count BIGINT, non_finite BIGINT, finite BIGINT, last_v DOUBLE, last_x DOUBLE,
  last_t DOUBLE, min_v DOUBLE, max_v DOUBLE, mean DOUBLE, m2 DOUBLE, base_exp SMALLINT
);
`;

/**
 * A migration moves a store from `from` to `from + 1`. Migrations run in order, inside one
 * transaction, when a store with an older schema is opened.
 */
export interface Migration {
  from: number;
  describe: string;
  up(connection: DuckDBConnection): Promise<void>;
}

/** Known migrations, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    describe: 'series statistics split into one table per writer connection, read through a view',
    async up(c) {
      await c.run('ALTER TABLE series_stats RENAME TO series_stats_a');
      await c.run(STATS_DDL);
    },
  },
];

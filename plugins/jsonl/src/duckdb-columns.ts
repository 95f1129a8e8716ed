import type { DuckDBType } from '@duckdb/node-api';
import { DuckDBTypeId } from '@duckdb/node-api';
import { joinName, validateSeriesName } from '@trainscope/core';

/** A numeric field of the inferred schema, as a SQL expression and a series name. */
export interface NumericColumn {
  name: string;
  sql: string;
}

/** How the DuckDB schema of a JSON-lines file maps to points, or why DuckDB cannot do it alike. */
export type ColumnPlan =
  | { ok: true; x: string | null; time: string | null; columns: NumericColumn[]; skipped: string[] }
  | { ok: false; reason: string };

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

const TIMESTAMPS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

/**
 * DuckDB names columns case-insensitively: keys `Loss` and `loss` in one file come back as `Loss`
 * and `loss_1`. Such a pair (or a real key that looks like one) is left to the JS parser.
 */
function renamedDuplicate(names: readonly string[]): string | undefined {
  const lower = new Set(names.map((n) => n.toLowerCase()));
  return names.find((n) => {
    const m = /^(.*)_\d+$/.exec(n);
    return m !== null && lower.has((m[1] as string).toLowerCase());
  });
}

const isNumeric = (type: DuckDBType | undefined) => type !== undefined && NUMERIC.has(type.typeId);
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Plans the SQL that reads a JSON-lines file's numeric fields with the same meaning as
 * `recordFields`: x from `step` (else `epoch`), time from `timestamp`, nested objects as groups.
 * Refuses (so the JS parser reads the file instead) whatever DuckDB would read differently:
 * fields of mixed types, timestamps given as text, names the naming rule refuses.
 */
export function planColumns(names: readonly string[], types: readonly DuckDBType[], prefix: string): ColumnPlan {
  const duplicate = renamedDuplicate(names);
  if (duplicate !== undefined)
    return { ok: false, reason: `key "${duplicate}" may be a renamed case-insensitive duplicate` };
  const top = new Map(names.map((n, i) => [n, types[i]]));
  if (isNumeric(top.get('index')) && top.get('data')?.typeId === DuckDBTypeId.STRUCT) {
    return { ok: false, reason: 'ml-dash records ({"index", "data"}) are read by the JS parser' };
  }
  const stepNumeric = isNumeric(top.get('step'));
  const epochNumeric = isNumeric(top.get('epoch'));
  const x = stepNumeric
    ? epochNumeric
      ? 'coalesce(CAST("step" AS DOUBLE), CAST("epoch" AS DOUBLE))'
      : 'CAST("step" AS DOUBLE)'
    : epochNumeric
      ? 'CAST("epoch" AS DOUBLE)'
      : null;
  let time: string | null = null;
  const tsType = top.get('timestamp');
  if (tsType !== undefined && tsType.typeId !== DuckDBTypeId.SQLNULL) {
    if (isNumeric(tsType)) {
      time =
        'CASE WHEN CAST("timestamp" AS DOUBLE) < 1e11 THEN CAST("timestamp" AS DOUBLE) * 1000 ELSE CAST("timestamp" AS DOUBLE) END';
    } else if (TIMESTAMPS.has(tsType.typeId)) {
      time = 'epoch_us("timestamp") / 1000.0';
    } else {
      return { ok: false, reason: `"timestamp" is ${String(tsType)}, read by the JS parser` };
    }
  }
  const columns: NumericColumn[] = [];
  const skipped: string[] = [];
  const walk = (path: string[], sql: string, type: DuckDBType): string | null => {
    const field = joinName(...path);
    if (type.alias === 'JSON') return `field "${field}" holds values of mixed types`;
    if (type.typeId === DuckDBTypeId.STRUCT) {
      const duplicate = renamedDuplicate(type.entryNames);
      if (duplicate !== undefined) return `key "${field}/${duplicate}" may be a renamed case-insensitive duplicate`;
      for (const [i, entry] of type.entryNames.entries()) {
        const problem = walk([...path, entry], `${sql}.${ident(entry)}`, type.entryTypes[i] as DuckDBType);
        if (problem) return problem;
      }
      return null;
    }
    if (!isNumeric(type)) {
      if (type.typeId !== DuckDBTypeId.SQLNULL) skipped.push(field);
      return null;
    }
    const name = joinName(prefix, field);
    try {
      validateSeriesName(name);
    } catch {
      return `field "${field}" is not a valid series name`;
    }
    let value = `CAST(${sql} AS DOUBLE)`;
    // As in recordFields: epoch is a series only on records whose x came from step.
    if (path.length === 1 && field === 'epoch' && stepNumeric) value = `CASE WHEN "step" IS NOT NULL THEN ${value} END`;
    columns.push({ name, sql: value });
    return null;
  };
  for (const [i, name] of names.entries()) {
    if (name === 'timestamp') continue;
    if (name === 'step' && stepNumeric) continue;
    if (name === 'epoch' && epochNumeric && !stepNumeric) continue;
    const problem = walk([name], ident(name), types[i] as DuckDBType);
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, x, time, columns, skipped };
}

import type { PointRows } from '@trainscope/core';

/** The run and full name of a series, as CSV rows name them. */
export interface SeriesLabel {
  runId: string;
  name: string;
}

/** Header of point exports (DESIGN.md: one row per point). */
export const CSV_HEADER = 'run_id,series,x,wall_time,value\n';

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Renders a page of points as CSV rows `run_id,series,x,wall_time,value`: wall_time in ISO 8601
 * UTC, x empty where the source gave none, values NaN/Infinity/-Infinity spelled out.
 */
export function pointsToCsv(rows: PointRows, labels: ReadonlyMap<number, SeriesLabel>, header = true): string {
  const out: string[] = header ? [CSV_HEADER] : [];
  let lastId = -1;
  let prefix = '';
  for (let i = 0; i < rows.length; i++) {
    const id = rows.series[i] as number;
    if (id !== lastId) {
      const label = labels.get(id);
      prefix = `${csvField(label?.runId ?? '')},${csvField(label?.name ?? String(id))},`;
      lastId = id;
    }
    const x = rows.xGiven[i] ? String(rows.x[i]) : '';
    out.push(`${prefix}${x},${new Date(rows.time[i] as number).toISOString()},${String(rows.value[i])}\n`);
  }
  return out.join('');
}

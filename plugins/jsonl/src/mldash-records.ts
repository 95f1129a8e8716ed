import type { SeriesDef } from '@trainscope/core';
import { formatPythonIsoTime } from './iso-time.js';
import { MLDASH_LABELS, type MldashTemplate, parseTemplate } from './mldash-template.js';
import { PyFloat, type PyValue, pythonJson } from './python-json.js';

/** One series to write back: its definition and its points as aligned columns. */
export interface MldashSeriesColumns {
  def: SeriesDef;
  x: Float64Array;
  time: Float64Array;
  value: Float64Array;
}

/** The series of one metric folder, with the template its records follow. */
export interface MldashMetricGroup {
  metric: string;
  template: MldashTemplate;
  fields: { field: string; columns: MldashSeriesColumns }[];
}

/** Template of a series that did not come from ml-dash: `{"value": v, "step": x}` records. */
const NATIVE_TEMPLATE: MldashTemplate = { keys: ['value', 'step'], x: 'step', ints: ['step'], createdAt: true };

/**
 * Groups series into metric folders: series imported from ml-dash go back to their metric and
 * field (labels `mldash.*`); any other series `train/loss` becomes the metric `train/loss` with
 * `{"value": v, "step": x}` records.
 */
export function groupMetrics(series: readonly MldashSeriesColumns[]): MldashMetricGroup[] {
  const groups = new Map<string, MldashMetricGroup>();
  for (const columns of series) {
    const labels = columns.def.labels ?? {};
    const template = parseTemplate(labels[MLDASH_LABELS.record]);
    const metric = template ? (labels[MLDASH_LABELS.metric] ?? columns.def.name) : columns.def.name;
    const field = template ? (labels[MLDASH_LABELS.field] ?? 'value') : 'value';
    let group = groups.get(metric);
    if (!group) {
      group = { metric, template: template ?? NATIVE_TEMPLATE, fields: [] };
      groups.set(metric, group);
    }
    group.fields.push({ field, columns });
  }
  return [...groups.values()];
}

interface Point {
  t: number;
  x: number;
  field: string;
  v: number;
}

interface RecordDraft {
  t: number;
  x: number;
  values: Map<string, number>;
}

/**
 * Rebuilds a metric's records from its series: points of one record share wall time and x, so the
 * points are ordered by time and cut into records where time or x changes or a field repeats.
 * Returns the lines of `data.jsonl`, written as ml-dash (Python `json.dumps`) writes them.
 */
export function metricRecordLines(group: MldashMetricGroup): string[] {
  const points: Point[] = [];
  for (const { field, columns } of group.fields) {
    for (let i = 0; i < columns.value.length; i++) {
      points.push({ t: columns.time[i] as number, x: columns.x[i] as number, field, v: columns.value[i] as number });
    }
  }
  points.sort((a, b) => a.t - b.t);
  const records: RecordDraft[] = [];
  let current: RecordDraft | undefined;
  for (const p of points) {
    const sameX = Object.is(current?.x, p.x) || current?.x === p.x;
    if (current === undefined || current.t !== p.t || !sameX || current.values.has(p.field)) {
      current = { t: p.t, x: p.x, values: new Map() };
      records.push(current);
    }
    current.values.set(p.field, p.v);
  }
  const { template } = group;
  const ints = new Set(template.ints);
  const keys = [...template.keys];
  for (const { field } of group.fields) if (!keys.includes(field)) keys.push(field);
  const number = (key: string, v: number): PyValue => (ints.has(key) && Number.isInteger(v) ? v : new PyFloat(v));
  return records.map((record, index) => {
    const data: { [key: string]: PyValue } = {};
    for (const key of keys) {
      const v = key === template.x ? record.x : record.values.get(key);
      if (v === undefined || (key === template.x && Number.isNaN(v))) continue;
      setPath(data, key, number(key, v));
    }
    const line: { [key: string]: PyValue } = { index, data };
    if (template.createdAt) line['createdAt'] = formatPythonIsoTime(record.t);
    return pythonJson(line);
  });
}

function setPath(target: { [key: string]: PyValue }, path: string, value: PyValue): void {
  const parts = path.split('/');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (
      next === undefined ||
      next === null ||
      typeof next !== 'object' ||
      Array.isArray(next) ||
      next instanceof PyFloat
    ) {
      const fresh: { [key: string]: PyValue } = {};
      node[part] = fresh;
      node = fresh;
    } else {
      node = next;
    }
  }
  node[parts.at(-1) as string] = value;
}

import type { SeriesDef } from '@trainscope/core';
import { formatPythonIsoTime } from './iso-time.js';
import { MLDASH_LABELS, type MldashTemplate, parseTemplate } from './mldash-template.js';
import { PyFloat, type PyValue, pythonFloat, pythonInt, pythonJson, pythonString } from './python-json.js';

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

/**
 * Rebuilds a metric's records from its series: points of one record share wall time and x, so the
 * series are merged in time order and cut into records where time or x changes or a field repeats.
 * Returns the lines of `data.jsonl`, written as ml-dash (Python `json.dumps`) writes them.
 */
export function metricRecordLines(group: MldashMetricGroup): string[] {
  const { template } = group;
  const keys = [...template.keys];
  for (const { field } of group.fields) if (!keys.includes(field)) keys.push(field);
  const ints = new Set(template.ints);
  const nested = keys.some((k) => k.includes('/'));
  const quoted = keys.map((k) => pythonString(k));
  const slot = new Map(keys.map((k, i) => [k, i]));
  const xSlot = template.x === null ? -1 : (slot.get(template.x) ?? -1);
  const isInt = keys.map((k) => ints.has(k));
  const series = group.fields.map(({ field, columns }) => ({ slot: slot.get(field) as number, columns, next: 0 }));
  const values = new Float64Array(keys.length);
  const present = new Uint8Array(keys.length);
  const lines: string[] = [];
  const iso = isoFormatter();

  const emit = (t: number, x: number) => {
    if (xSlot >= 0 && !Number.isNaN(x)) {
      values[xSlot] = x;
      present[xSlot] = 1;
    }
    let data: string;
    if (nested) {
      const obj: { [key: string]: PyValue } = {};
      for (let k = 0; k < keys.length; k++) {
        if (present[k])
          setPath(
            obj,
            keys[k] as string,
            isInt[k] && Number.isInteger(values[k]) ? (values[k] as number) : new PyFloat(values[k] as number),
          );
      }
      data = pythonJson(obj);
    } else {
      const parts: string[] = [];
      for (let k = 0; k < keys.length; k++) {
        if (!present[k]) continue;
        const v = values[k] as number;
        parts.push(`${quoted[k]}: ${isInt[k] && Number.isInteger(v) ? pythonInt(v) : pythonFloat(v)}`);
      }
      data = `{${parts.join(', ')}}`;
    }
    const created = template.createdAt ? `, "createdAt": "${iso(t)}"` : '';
    lines.push(`{"index": ${lines.length}, "data": ${data}${created}}`);
    present.fill(0);
  };

  let open = false;
  let curT = 0;
  let curX = 0;
  for (;;) {
    // The next point in time order (ties go to the earlier series, keeping each series' order).
    let pick = -1;
    let best = Number.POSITIVE_INFINITY;
    for (let s = 0; s < series.length; s++) {
      const head = series[s] as (typeof series)[number];
      if (head.next >= head.columns.value.length) continue;
      const t = head.columns.time[head.next] as number;
      if (pick < 0 || t < best) {
        pick = s;
        best = t;
      }
    }
    if (pick < 0) break;
    const head = series[pick] as (typeof series)[number];
    const i = head.next++;
    const x = head.columns.x[i] as number;
    const sameX = x === curX || (Number.isNaN(x) && Number.isNaN(curX));
    if (open && (best !== curT || !sameX || present[head.slot])) emit(curT, curX);
    open = true;
    curT = best;
    curX = x;
    values[head.slot] = head.columns.value[i] as number;
    present[head.slot] = 1;
  }
  if (open) emit(curT, curX);
  return lines;
}

/** `formatPythonIsoTime`, remembering the last second's text (records come many per second). */
function isoFormatter(): (ms: number) => string {
  let second = Number.NaN;
  let base = '';
  return (ms) => {
    const micros = Math.round(ms * 1000);
    const s = Math.floor(micros / 1_000_000);
    const frac = micros - s * 1_000_000;
    if (s !== second) {
      second = s;
      base = formatPythonIsoTime(s * 1000).slice(0, 19);
    }
    return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(6, '0')}Z`;
  };
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

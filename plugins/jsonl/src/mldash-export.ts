import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JsonValue, type LogInput, TrainscopeError } from '@trainscope/core';
import { formatPythonIsoTime } from './iso-time.js';
import { groupMetrics, type MldashSeriesColumns, metricRecordLines } from './mldash-records.js';
import { type PyValue, pythonJson } from './python-json.js';

/** A name that cannot be a folder of the ml-dash layout (empty, `.` or `..` segments). */
export class MldashPathError extends TrainscopeError {
  constructor(what: string, name: string) {
    super(
      'bad_mldash_path',
      `Cannot export ${what} "${name}" to the ml-dash layout: a folder name may not be empty, "." or "..". Rename it first.`,
      name,
    );
  }
}

/** A trainscope run to write in the ml-dash layout. */
export interface MldashExportInput {
  project: string;
  name: string;
  /** Written to `parameters.json` `data`. @default {} */
  params?: Record<string, JsonValue>;
  /** @default [] */
  tags?: string[];
  /** Epoch ms, written as `experiment.json` `created_at`. @default the earliest point's time, else now */
  createdAt?: number | null;
  /** @default null */
  description?: string | null;
  series: MldashSeriesColumns[];
  /** Written to `logs/logs.jsonl`. @default [] */
  logs?: LogInput[];
}

/** What an export wrote. */
export interface MldashExportResult {
  dir: string;
  metrics: number;
  records: number;
}

const folder = (what: string, name: string): string[] => {
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new MldashPathError(what, name);
  return parts;
};

/**
 * Writes a run as an ml-dash local experiment under `root`: `<root>/<project>/<name>/` with
 * `experiment.json`, `parameters.json`, `logs/logs.jsonl` and `metrics/<metric>/data.jsonl` +
 * `metadata.json`, formatted as ml-dash's Python writes them. A run imported from ml-dash comes
 * back record for record (see README "ml-dash mapping").
 */
export async function writeMldashExperiment(root: string, input: MldashExportInput): Promise<MldashExportResult> {
  const dir = join(root, ...folder('project', input.project), ...folder('experiment', input.name));
  let first = Number.POSITIVE_INFINITY;
  for (const s of input.series) for (const t of s.time) if (t < first) first = t;
  const createdAt = formatPythonIsoTime(input.createdAt ?? (Number.isFinite(first) ? first : Date.now()));
  await mkdir(join(dir, 'metrics'), { recursive: true });
  await mkdir(join(dir, 'logs'), { recursive: true });
  await mkdir(join(dir, 'files'), { recursive: true });
  const experiment: { [key: string]: PyValue } = {
    name: input.name,
    project: input.project,
    description: input.description ?? null,
    tags: input.tags ?? [],
    bindrs: [],
    prefix: input.name,
    metadata: null,
    created_at: createdAt,
    write_protected: false,
  };
  await writeFile(join(dir, 'experiment.json'), pythonJson(experiment, 2));
  const params = { version: 1, data: (input.params ?? {}) as PyValue, createdAt, updatedAt: createdAt };
  await writeFile(join(dir, 'parameters.json'), pythonJson(params, 2));

  let records = 0;
  const groups = groupMetrics(input.series);
  for (const group of groups) {
    const metricDir = join(dir, 'metrics', ...folder('metric', group.metric));
    await mkdir(metricDir, { recursive: true });
    const lines = metricRecordLines(group);
    records += lines.length;
    await writeFile(join(metricDir, 'data.jsonl'), lines.map((l) => `${l}\n`).join(''));
    const times = group.fields
      .flatMap((f) => [f.columns.time[0], f.columns.time.at(-1)])
      .filter((t) => t !== undefined);
    const meta = {
      metricId: `local-metric-${group.metric}`,
      name: group.metric,
      description: null,
      tags: [],
      metadata: null,
      totalDataPoints: lines.length,
      nextIndex: lines.length,
      createdAt: formatPythonIsoTime(times.length ? Math.min(...times) : Date.now()),
      updatedAt: formatPythonIsoTime(times.length ? Math.max(...times) : Date.now()),
    };
    await writeFile(join(metricDir, 'metadata.json'), pythonJson(meta, 2));
  }

  const logs = input.logs ?? [];
  const logLines = logs.map((log, n) => {
    const entry: { [key: string]: PyValue } = {
      sequenceNumber: n,
      timestamp: formatPythonIsoTime(log.time ?? Date.now()),
      level: log.level ?? 'info',
      message: log.text,
    };
    if (log.metadata && Object.keys(log.metadata).length > 0) entry['metadata'] = log.metadata as PyValue;
    return `${pythonJson(entry)}\n`;
  });
  await writeFile(join(dir, 'logs', 'logs.jsonl'), logLines.join(''));
  await writeFile(join(dir, 'logs', '.log_sequence'), String(logs.length));
  return { dir, metrics: groups.length, records };
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BatchBuilder, type JsonValue, joinName, type LogInput, validateSeriesName } from '@trainscope/core';
import { parseIsoTime } from './iso-time.js';
import { isBlank } from './line-splitter.js';
import { parseMldashMetric } from './mldash-metric.js';
import { MLDASH_LABELS } from './mldash-template.js';
import { parseJsonLine } from './parse-json-line.js';
import { RejectReason } from './reasons.js';
import { RejectionTally } from './rejection-tally.js';
import type { JsonlSink } from './sink.js';

/** An ml-dash experiment directory found under a root. */
export interface MldashExperimentRef {
  dir: string;
  project: string;
  name: string;
}

/** What `experiment.json` and `parameters.json` say about an experiment, as run fields. */
export interface MldashRunInfo {
  project: string;
  name: string;
  /** `parameters.json` `data` (flattened `a.b` keys, as ml-dash keeps them). */
  params: Record<string, JsonValue>;
  tags: string[];
  /** `created_at`, epoch ms; null when absent. */
  createdAt: number | null;
  description: string | null;
}

/** What an experiment import did. */
export interface MldashImportResult {
  metrics: number;
  records: number;
  points: number;
  logs: number;
  rejected: Record<string, number>;
}

/** Options of `importMldashExperiment`. */
export interface MldashImportOptions {
  /** Longest line accepted. @default 1048576 */
  maxLineBytes?: number;
  /**
   * Hears the bytes of each metric file once its points are handed to the sink (files with no
   * usable field too), so that the calls add up to `mldashMetricBytes` of the experiment.
   */
  onBytes?: (bytes: number) => void;
  /** Stops the import (it throws the abort reason) before the next metric file or the log. */
  signal?: AbortSignal;
}

const EXPERIMENT_PARTS = new Set(['metrics', 'logs', 'files']);

/**
 * Finds ml-dash experiments under `root`: every directory holding `experiment.json` or a
 * `metrics/` folder (`<root>/<project>/<experiment>`, or deeper with owner / folder prefixes).
 */
export async function findMldashExperiments(root: string): Promise<MldashExperimentRef[]> {
  const found: MldashExperimentRef[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const names = new Set(entries.map((e) => e.name));
    if (names.has('experiment.json') || entries.some((e) => e.isDirectory() && e.name === 'metrics')) {
      const info = await readMldashRunInfo(dir, root);
      found.push({ dir, project: info.project, name: info.name });
    }
    for (const e of entries) {
      if (e.isDirectory() && !EXPERIMENT_PARTS.has(e.name) && !e.name.startsWith('.')) await walk(join(dir, e.name));
    }
  };
  await walk(root);
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Reads an experiment's run fields; project and name come from the path when `experiment.json` lacks them. */
export async function readMldashRunInfo(dir: string, root?: string): Promise<MldashRunInfo> {
  const experiment = await readJsonObject(join(dir, 'experiment.json'));
  const parameters = await readJsonObject(join(dir, 'parameters.json'));
  const segments = (root === undefined ? dir : relative(root, dir)).split(sep).filter(Boolean);
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const created = str(experiment?.['created_at']);
  const data = parameters?.['data'];
  return {
    project: str(experiment?.['project']) ?? (segments.length > 1 ? segments[0] : undefined) ?? 'default',
    name: str(experiment?.['name']) ?? segments.at(-1) ?? 'experiment',
    params:
      data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, JsonValue>) : {},
    tags: Array.isArray(experiment?.['tags'])
      ? (experiment['tags'] as unknown[]).filter((t) => typeof t === 'string')
      : [],
    createdAt: created === undefined ? null : parseIsoTime(created),
    description: str(experiment?.['description']) ?? null,
  };
}

/**
 * Imports an ml-dash experiment directory into `sink`: every `metrics/<metric>/data.jsonl` as series
 * (see README "ml-dash mapping"), and `logs/logs.jsonl` as log lines. Lines that are not records are
 * counted and reported with file and line number; the import goes on.
 */
export async function importMldashExperiment(
  dir: string,
  sink: JsonlSink,
  options: MldashImportOptions = {},
): Promise<MldashImportResult> {
  const tally = new RejectionTally((line) => sink.log(line));
  const result: MldashImportResult = { metrics: 0, records: 0, points: 0, logs: 0, rejected: {} };
  for (const { metric, file } of await findMetricFiles(join(dir, 'metrics'))) {
    options.signal?.throwIfAborted();
    const bytes = await readFile(file);
    const { mtimeMs } = await stat(file);
    const parsed = parseMldashMetric(bytes, file, tally, options.maxLineBytes);
    result.metrics++;
    result.records += parsed.count;
    for (const key of parsed.skipped) {
      sink.log({
        text: `jsonl: ${file}: field "${key}" is not a number; it is skipped wherever it appears`,
        stream: 'system',
        metadata: { file, field: key },
      });
    }
    const record = JSON.stringify(parsed.template);
    const xKey = parsed.template.x === null ? -1 : parsed.keys.indexOf(parsed.template.x);
    const ids = parsed.keys.map((key, k) => {
      if (k === xKey) return -1;
      const name = metric === 'None' ? key : key === 'value' ? metric : joinName(metric, key);
      try {
        validateSeriesName(name);
      } catch (error) {
        tally.reject(RejectReason.badName, file, 0, error instanceof Error ? error.message : String(error));
        return -1;
      }
      const labels = { [MLDASH_LABELS.metric]: metric, [MLDASH_LABELS.field]: key, [MLDASH_LABELS.record]: record };
      return sink.series({ name, labels });
    });
    const builder = new BatchBuilder(Math.max(256, parsed.fieldKey.length));
    for (let r = 0; r < parsed.count; r++) {
      // Without createdAt, records get the file's mtime plus one microsecond per record, so each
      // record keeps a time of its own and an export can tell records apart.
      const created = parsed.createdAt[r] as number;
      const time = Number.isFinite(created) ? created : mtimeMs + r / 1000;
      const from = parsed.fieldStart[r] as number;
      const to = parsed.fieldStart[r + 1] as number;
      let x = Number.NaN;
      for (let i = from; i < to; i++) {
        const v = parsed.fieldValue[i] as number;
        if (parsed.fieldKey[i] === xKey && Number.isFinite(v)) x = v;
      }
      for (let i = from; i < to; i++) {
        const id = ids[parsed.fieldKey[i] as number] as number;
        if (id >= 0) builder.push(id, parsed.fieldValue[i] as number, time, x);
      }
    }
    result.points += builder.length;
    if (builder.length > 0) sink.ingest(builder.take());
    options.onBytes?.(bytes.length);
  }
  options.signal?.throwIfAborted();
  result.logs = await importLogs(join(dir, 'logs', 'logs.jsonl'), sink, tally);
  tally.summarize(dir);
  result.rejected = tally.counts();
  return result;
}

/** Bytes of the metric files of an ml-dash experiment, found as `importMldashExperiment` finds them. */
export async function mldashMetricBytes(dir: string): Promise<number> {
  let total = 0;
  for (const { file } of await findMetricFiles(join(dir, 'metrics'))) total += (await stat(file)).size;
  return total;
}

/**
 * Metric files under `metrics/`: every folder holding `data.jsonl` (nested names joined with `/`),
 * and the `<name>.jsonl` files older ml-dash versions wrote directly in `metrics/`.
 */
async function findMetricFiles(metricsDir: string): Promise<{ metric: string; file: string }[]> {
  const out: { metric: string; file: string }[] = [];
  const walk = async (dir: string, prefix: string[]): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isFile() && e.name === 'data.jsonl' && prefix.length > 0)
        out.push({ metric: prefix.join('/'), file: join(dir, e.name) });
      else if (e.isFile() && prefix.length === 0 && e.name.endsWith('.jsonl')) {
        out.push({ metric: e.name.slice(0, -'.jsonl'.length), file: join(dir, e.name) });
      } else if (e.isDirectory()) await walk(join(dir, e.name), [...prefix, e.name]);
    }
  };
  await walk(metricsDir, []);
  return out.sort((a, b) => a.metric.localeCompare(b.metric));
}

async function importLogs(file: string, sink: JsonlSink, tally: RejectionTally): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return 0;
  }
  let count = 0;
  for (const [i, line] of text.split('\n').entries()) {
    if (isBlank(line)) continue;
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      tally.reject(parsed.reason, file, i + 1, parsed.detail);
      continue;
    }
    const v = parsed.value;
    const entry: LogInput = {
      text: typeof v['message'] === 'string' ? v['message'] : JSON.stringify(v['message'] ?? ''),
      stream: 'sdk',
      level: typeof v['level'] === 'string' ? v['level'] : 'info',
    };
    const time = typeof v['timestamp'] === 'string' ? parseIsoTime(v['timestamp']) : Number.NaN;
    if (Number.isFinite(time)) entry.time = time;
    const metadata = v['metadata'];
    if (metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata)) {
      entry.metadata = metadata as Record<string, JsonValue>;
    }
    sink.log(entry);
    count++;
  }
  return count;
}

async function readJsonObject(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed = parseJsonLine(await readFile(file, 'utf8'));
    return parsed.ok ? parsed.value : undefined;
  } catch {
    return undefined;
  }
}

/** One experiment of an `importMldashRoot` call and what its import did. */
export interface MldashRootEntry extends MldashExperimentRef {
  info: MldashRunInfo;
  result: MldashImportResult;
}

/**
 * Imports every ml-dash experiment under `root`: for each, `openSink` gets its run fields (create a
 * run from them and return its context or writer) and the experiment's points go there.
 * `trainscope import --format ml-dash <root>` is this.
 */
export async function importMldashRoot(
  root: string,
  openSink: (info: MldashRunInfo, ref: MldashExperimentRef) => JsonlSink | Promise<JsonlSink>,
  options: MldashImportOptions = {},
): Promise<MldashRootEntry[]> {
  const entries: MldashRootEntry[] = [];
  for (const ref of await findMldashExperiments(root)) {
    const info = await readMldashRunInfo(ref.dir, root);
    const sink = await openSink(info, ref);
    entries.push({ ...ref, info, result: await importMldashExperiment(ref.dir, sink, options) });
  }
  return entries;
}

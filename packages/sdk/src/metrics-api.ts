import { InvalidNameError, type SeriesDef, validateSeriesName } from '@trainscope/core';
import { InvalidValueError } from './errors.js';
import type { MetricData } from './metric-records.js';
import {
  assembleRecords,
  FIELD_LABEL,
  fieldSeriesName,
  METRIC_LABEL,
  RECORD_LABEL,
  recordFields,
  recordList,
  recordTemplate,
} from './metric-records.js';
import { NameNode } from './name-node.js';
import { PendingRecord } from './pending-record.js';
import type { PointWriter } from './point-writer.js';
import type { Refusals } from './refusals.js';
import type { RunSink } from './run-sink.js';
import { SummaryCache } from './summary-cache.js';
import { checkValue, isGroup, recordError } from './values.js';

/** A record for `metrics.log`: numbers, nested groups become `group/name`. */
export interface LogRecord {
  [key: string]: number | LogRecord | undefined;
}

/** What the metrics API needs from its experiment. */
export interface MetricsHost {
  readonly writer: PointWriter;
  readonly sink: RunSink;
  defineSeries(def: SeriesDef): number;
  /** Next record index of a metric (0 for a new one; after the last stored record for a resumed run). */
  firstIndex(metric: string): number;
  /** Sink id of a record field's series stored before (a resumed run), if any. */
  existingField(metric: string, field: string): number | undefined;
  /** Throws unless the experiment is open. */
  assertOpen(): void;
  /** Where refused calls are counted. */
  readonly refusals: Refusals;
  /** Hands everything over and waits until it is stored. */
  flush(): Promise<void>;
}

/** Options of `read`. */
export interface ReadOptions {
  /** Index of the first record. @default 0 */
  startIndex?: number;
  /** Records at most. @default 1000 */
  limit?: number;
}

/** What `read` returns: records exactly as appended, with their indices. */
export interface ReadResult {
  data: { index: number; data: MetricData }[];
  startIndex: number;
  count: number;
}

/** State shared by the loggers of one experiment. */
class MetricsState {
  readonly root = new NameNode('');
  readonly pending: PendingRecord;
  /** Scratch space of `log`: the fields of the call being checked (`count` of them). */
  readonly nodes: NameNode[] = [];
  readonly values: number[] = [];
  count = 0;
  readonly loggers = new Map<string, MetricLogger>();
  constructor(readonly host: MetricsHost) {
    this.pending = new PendingRecord(host, this.root, (node) => {
      node.id = host.defineSeries({ name: node.name });
      return node.id;
    });
  }
}

/**
 * `experiment.metrics(name)`: logs into the experiment's shared record under a prefix, appends
 * records to the metric `name`, reads them back, and keeps a summary cache.
 */
export class MetricLogger {
  /** Metric name (the prefix of `log`); '' for the root. */
  readonly name: string;
  readonly #state: MetricsState;
  readonly #node: NameNode;
  readonly #fields = new Map<string, number>();
  #next = -1;
  #lastTime = 0;
  #summary: SummaryCache | undefined;

  /** @internal */
  constructor(state: MetricsState, name: string) {
    this.#state = state;
    this.name = name;
    let node = state.root;
    if (name) for (const part of name.split('/')) node = node.child(part);
    this.#node = node;
  }

  /**
   * Adds values to the record being built (ml-dash `log`): `{ loss: 0.5 }` under `train` is
   * `train/loss`. The record is written by `flush()`, or when a name in it is logged again.
   */
  log(record: LogRecord): this {
    const state = this.#state;
    state.host.assertOpen();
    state.count = 0;
    try {
      collect(this.#node, record, state);
      state.pending.add(state.nodes, state.values, state.count);
    } catch (error) {
      throw state.host.refusals.count(error);
    }
    return this;
  }

  /** Writes the record built by `log` calls (one wall time, one x: its `step`, else `epoch`). */
  flush(): this {
    try {
      this.#state.pending.commit();
    } catch (error) {
      throw this.#state.host.refusals.count(error);
    }
    return this;
  }

  /** Appends one record to this metric; returns its index. */
  append(data: MetricData): { index: number } {
    const fields = this.#fields_(data);
    return { index: this.#write([fields])[0] as number };
  }

  /** Appends records to this metric (all checked before any is written); returns how many and the first index. */
  appendBatch(records: readonly MetricData[]): { count: number; startIndex: number } {
    const checked = records.map((r) => this.#fields_(r));
    const indices = this.#write(checked);
    return { count: indices.length, startIndex: indices[0] ?? this.#nextIndex() };
  }

  /** Records `startIndex` .. `startIndex + limit - 1` of this metric, exactly as appended. */
  async read(options: ReadOptions = {}): Promise<ReadResult> {
    const startIndex = options.startIndex ?? 0;
    const limit = options.limit ?? 1000;
    if (!Number.isInteger(startIndex) || startIndex < 0) {
      throw new InvalidValueError(`read: startIndex must be an integer >= 0, got ${String(startIndex)}.`, startIndex);
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidValueError(`read: limit must be an integer >= 1, got ${String(limit)}.`, limit);
    }
    const { host } = this.#state;
    await host.flush();
    const fieldOf = new Map<number, string>();
    for (const s of await host.sink.listSeries()) {
      if (s.series.labels[METRIC_LABEL] === this.name) fieldOf.set(s.id, s.series.labels[FIELD_LABEL] ?? 'value');
    }
    const records = new Map<number, MetricData>();
    if (fieldOf.size > 0) {
      let cursor: string | null = null;
      do {
        const page = await host.sink.read([...fieldOf.keys()], startIndex, startIndex + limit - 1, cursor);
        assembleRecords(page, fieldOf, records);
        cursor = page.next;
      } while (cursor);
    }
    const data = recordList(records);
    return { data, startIndex, count: data.length };
  }

  /** ml-dash's summary cache of this metric. */
  get summaryCache(): SummaryCache {
    this.#summary ??= new SummaryCache(this.name, (data) => this.append(data), this.#state.host.refusals);
    return this.#summary;
  }

  #fields_(data: MetricData): [string, number][] {
    const { host } = this.#state;
    host.assertOpen();
    try {
      if (!this.name)
        throw new InvalidNameError('append needs a metric name: experiment.metrics("loss").append(...)', '');
      return recordFields(this.name, data);
    } catch (error) {
      throw host.refusals.count(error);
    }
  }

  #nextIndex(): number {
    if (this.#next < 0) this.#next = this.#state.host.firstIndex(this.name);
    return this.#next;
  }

  #write(records: [string, number][][]): number[] {
    const { host } = this.#state;
    // Every record keeps a wall time of its own (1 µs apart within a batch), as ml-dash records
    // do; plugin-jsonl's export tells records apart by time.
    let time = Math.max(Date.now(), this.#lastTime + 0.001);
    const indices: number[] = [];
    let index = this.#nextIndex();
    for (const fields of records) {
      for (const [field, value] of fields) {
        let id = this.#fields.get(field);
        if (id === undefined) {
          id =
            host.existingField(this.name, field) ??
            host.defineSeries({
              name: validateSeriesName(fieldSeriesName(this.name, field)),
              labels: {
                [METRIC_LABEL]: this.name,
                [FIELD_LABEL]: field,
                [RECORD_LABEL]: recordTemplate(fields),
              },
            });
          this.#fields.set(field, id);
        }
        host.writer.push(id, value, time, index);
      }
      indices.push(index++);
      this.#lastTime = time;
      time += 0.001;
    }
    this.#next = index;
    return indices;
  }
}

function collect(
  node: NameNode,
  record: LogRecord,
  into: { nodes: NameNode[]; values: number[]; count: number },
): void {
  if (!isGroup(record)) throw recordError(node.name || 'metrics.log', record);
  for (const key in record) {
    const value = record[key];
    if (value === undefined) continue;
    const child = node.child(key);
    if (typeof value === 'number') {
      into.nodes[into.count] = child;
      into.values[into.count++] = value;
    } else if (isGroup(value)) {
      collect(child, value as LogRecord, into);
    } else {
      checkValue(child.name, value);
    }
  }
}

/** `experiment.metrics`: call it with a name for a metric logger, or use the root logger's methods on it. */
export interface Metrics {
  (name: string): MetricLogger;
  /** Adds values to the record being built (see `MetricLogger.log`). */
  log(record: LogRecord): Metrics;
  /** Writes the record being built. */
  flush(): Metrics;
  /** @internal writes the record being built (close and experiment flush). */
  commit(): void;
}

/** Builds the `metrics` object of an experiment. */
export function createMetrics(host: MetricsHost): Metrics {
  const state = new MetricsState(host);
  const root = new MetricLogger(state, '');
  const metrics = ((name: string): MetricLogger => {
    let logger = state.loggers.get(name);
    if (!logger) {
      try {
        if (typeof name !== 'string' || name.length === 0) {
          throw new InvalidNameError('A metric name must be a non-empty string.', String(name));
        }
        logger = new MetricLogger(state, validateSeriesName(name));
      } catch (error) {
        throw host.refusals.count(error);
      }
      state.loggers.set(name, logger);
    }
    return logger;
  }) as Metrics;
  metrics.log = (record) => {
    root.log(record);
    return metrics;
  };
  metrics.flush = () => {
    root.flush();
    return metrics;
  };
  metrics.commit = () => state.pending.commit();
  return metrics;
}

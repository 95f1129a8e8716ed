import { BatchBuilder, joinName, type SeriesDef, validateSeriesName } from '@trainscope/core';
import { parseIsoTime } from './iso-time.js';
import { isBlank, type SplitLine } from './line-splitter.js';
import { parseJsonLine } from './parse-json-line.js';
import { RejectReason } from './reasons.js';
import { recordAxes, walkRecord } from './record-fields.js';
import type { RejectionTally } from './rejection-tally.js';
import type { JsonlSink } from './sink.js';

/** How JSON-lines records become series. */
export interface PointMapperOptions {
  /** Joined in front of every series name (`prefix/loss`). @default '' */
  prefix?: string;
  /** Extra fields for every series definition (kind, labels, ...). @default {} */
  seriesDefaults?: Omit<SeriesDef, 'name'>;
  /** Points held before they are handed to the sink. @default 65536 */
  batchSize?: number;
  /**
   * Read lines shaped as ml-dash records (`{"index": n, "data": {...}, "createdAt": "..."}`) as
   * their `data`, timed by `createdAt`, with the field `value` named by the prefix alone (as the
   * ml-dash import names it). @default true
   */
  mldashRecords?: boolean;
}

/** Cache key of an ml-dash record's `value` field (named by the prefix, not `prefix/value`). */
const MLDASH_VALUE = '\u0000value';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Turns JSON-lines text into columnar batches for a sink: parses each line, maps its fields to
 * series (defined once, cached), and counts what it refuses in a `RejectionTally`.
 */
export class PointMapper {
  readonly #sink: JsonlSink;
  readonly #tally: RejectionTally;
  readonly #prefix: string;
  readonly #defaults: Omit<SeriesDef, 'name'>;
  readonly #batchSize: number;
  readonly #unwrap: boolean;
  readonly #ids = new Map<string, number>();
  readonly #skippedFields = new Set<string>();
  #builder: BatchBuilder;
  // The record being walked (set per line, so the callbacks below are made once, not per line).
  #file = '';
  #lineNo = 0;
  #x = Number.NaN;
  #t = 0;
  #mldash = false;
  readonly #onNumber = (path: string, value: number): void => {
    const key = this.#mldash && path === 'value' ? MLDASH_VALUE : path;
    const id = this.#ids.get(key) ?? this.#define(key);
    if (id < 0) return;
    this.#builder.push(id, value, this.#t, this.#x);
    this.#points++;
  };
  readonly #onOther = (path: string): void => {
    if (!this.#skippedFields.has(path)) this.#noteSkipped(path, this.#file, this.#lineNo);
  };
  #points = 0;
  #records = 0;

  constructor(sink: JsonlSink, tally: RejectionTally, options: PointMapperOptions = {}) {
    this.#sink = sink;
    this.#tally = tally;
    this.#prefix = options.prefix ?? '';
    this.#defaults = options.seriesDefaults ?? {};
    this.#batchSize = options.batchSize ?? 65_536;
    this.#unwrap = options.mldashRecords ?? true;
    this.#builder = new BatchBuilder(Math.min(this.#batchSize, 4096));
  }

  /** Points handed over (or held) so far. */
  get points(): number {
    return this.#points;
  }

  /** Records (lines that held an object) read so far. */
  get records(): number {
    return this.#records;
  }

  /** Reads one line; `time` is the wall time used when the record has no `timestamp`. */
  line(line: SplitLine, file: string, lineNo: number, time: number): void {
    if (line === null) {
      this.#tally.reject(RejectReason.oversized, file, lineNo, 'line longer than maxLineBytes, skipped');
      return;
    }
    if (isBlank(line)) return;
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      this.#tally.reject(parsed.reason, file, lineNo, parsed.detail);
      return;
    }
    this.#records++;
    let record = parsed.value;
    let created = Number.NaN;
    this.#mldash = false;
    const data = record['data'];
    if (this.#unwrap && typeof record['index'] === 'number' && isObject(data)) {
      // An ml-dash record: its fields are in "data", its time in "createdAt".
      const at = record['createdAt'];
      created = typeof at === 'string' ? parseIsoTime(at) : Number.NaN;
      record = data;
      this.#mldash = true;
    }
    const axes = recordAxes(record);
    let x = axes.x;
    if (!Number.isFinite(x) && axes.xField !== null) {
      this.#tally.reject(RejectReason.nonFiniteX, file, lineNo, `${axes.xField} is ${x}; point kept without x`);
      x = Number.NaN;
    }
    const t = Number.isFinite(axes.time) ? axes.time : Number.isFinite(created) ? created : time;
    this.#file = file;
    this.#lineNo = lineNo;
    this.#x = x;
    this.#t = t;
    walkRecord(record, axes, this.#onNumber, this.#onOther);
    if (this.#builder.length >= this.#batchSize) this.flush();
  }

  /** Hands the points held to the sink. */
  flush(): void {
    if (this.#builder.length === 0) return;
    this.#sink.ingest(this.#builder.take());
  }

  #define(field: string): number {
    const file = this.#file;
    const lineNo = this.#lineNo;
    // Raw key paths are normalised once per new field, as flattenGroups/joinName would.
    const name = field === MLDASH_VALUE ? this.#prefix || 'value' : joinName(this.#prefix, ...field.split('/'));
    let id = -1;
    try {
      validateSeriesName(name);
      id = this.#sink.series({ ...this.#defaults, name });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#tally.reject(RejectReason.badName, file, lineNo, message);
    }
    this.#ids.set(field, id);
    return id;
  }

  #noteSkipped(name: string, file: string, lineNo: number): void {
    if (this.#skippedFields.has(name)) return;
    this.#skippedFields.add(name);
    this.#sink.log({
      text: `jsonl: ${file}:${lineNo}: field "${name}" is not a number; it is skipped wherever it appears`,
      level: 'info',
      stream: 'system',
      metadata: { file, line: lineNo, field: name },
    });
  }
}

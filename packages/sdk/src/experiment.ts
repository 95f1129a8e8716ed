import type { JsonValue, Run, RunStatus, SeriesDef } from '@trainscope/core';
import { noteClosed, noteOpened, withCurrent } from './current.js';
import { ExperimentStateError } from './errors.js';
import { type ExperimentOptions, resolveTarget, warnOf } from './experiment-options.js';
import { Metric, type MetricOptions } from './metric.js';
import type { MetricHost } from './metric-host.js';
import { FIELD_LABEL, flattenParams, METRIC_LABEL } from './metric-records.js';
import { createMetrics, type Metrics, type MetricsHost } from './metrics-api.js';
import { openSink } from './open-sink.js';
import { PointWriter } from './point-writer.js';
import { Refusals } from './refusals.js';
import type { DeliveryReport, RunSink } from './run-sink.js';

/** Options of `experiment.log`. */
export interface LogOptions {
  /** @default 'info' */
  level?: string;
  /** Structured data kept with the line. @default none */
  metadata?: Record<string, JsonValue>;
}

/** Options of `experiment.close`. */
export interface CloseOptions {
  /** Status to record (when the experiment marks status). @default 'failed' after `fail()`, else 'completed' */
  status?: Exclude<RunStatus, 'running'>;
  /** Error that ended the run; its message is recorded and the status becomes 'failed'. @default none */
  error?: unknown;
}

/** What `close()` reports. */
export interface CloseReport extends DeliveryReport {
  runId: string;
  /** Calls refused during the run, by error code. */
  refused: Record<string, number>;
  /** Status recorded, or null when the experiment left the status to the run's owner. */
  status: RunStatus | null;
}

/** `experiment.params`: the run's parameters. */
export interface Params {
  /** Merges params into the run's (nested objects flattened to `model.lr`, as ml-dash does). */
  set(params: Record<string, JsonValue>): Promise<void>;
  /** The run's params. */
  get(): Record<string, JsonValue>;
}

/**
 * An ml-dash-style experiment: one run in a local store or on a server. Open it with `open()`,
 * `run(fn)` or `await using`; log with `metrics`, `Metric`, `progress`, `log`; close to deliver.
 */
export class Experiment {
  readonly options: ExperimentOptions;
  /** ml-dash metrics: `metrics.log({...})`, `metrics('train').log(...)`, `metrics('loss').append(...)`. */
  readonly metrics: Metrics;
  /** The run's params. */
  readonly params: Params;
  /** @internal what Coflux metrics record through */
  readonly host: MetricHost;
  #state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  #sink: RunSink | undefined;
  #writer: PointWriter | undefined;
  #failure: unknown;
  #failed = false;
  #markStatus = true;
  readonly #firstIndex = new Map<string, number>();
  /** Record field series of a joined run, by metric and field. */
  readonly #existingFields = new Map<string, number>();
  readonly #refusals = new Refusals();
  #closing: Promise<CloseReport> | undefined;
  #handles: { sink: RunSink; writer: PointWriter; run: Run } | undefined;

  constructor(options: ExperimentOptions = {}) {
    this.options = options;
    const self = this;
    this.host = {
      get closed() {
        return self.#state === 'closed';
      },
      get startedAt() {
        return self.#open().run.startedAt ?? self.#open().run.createdAt;
      },
      get writer() {
        return self.#open().writer;
      },
      throttle: options.throttle === undefined ? 10 : options.throttle,
      refusals: this.#refusals,
      defineSeries: (def: SeriesDef) => this.#open().sink.series(def),
    };
    const metricsHost: MetricsHost = {
      get writer() {
        return self.#open().writer;
      },
      get sink() {
        return self.#open().sink;
      },
      defineSeries: (def) => this.#open().sink.series(def),
      firstIndex: (metric) => this.#firstIndex.get(metric) ?? 0,
      existingField: (metric, field) => this.#existingFields.get(`${metric}\u0000${field}`),
      refusals: this.#refusals,
      assertOpen: () => void this.#open(),
      flush: () => this.flush(),
    };
    this.metrics = createMetrics(metricsHost);
    this.params = {
      set: async (params) => {
        await this.#open().sink.updateRun({ params: flattenParams(params) });
      },
      get: () => this.#open().run.params,
    };
  }

  /** The run recorded into (still readable after close). Throws before `open()`. */
  get runInfo(): Run {
    if (this.#state === 'closed' && this.#sink) return this.#sink.run;
    return this.#open().run;
  }

  /** Id of the run recorded into. */
  get runId(): string {
    return this.runInfo.id;
  }

  /** Calls refused so far (they threw and wrote nothing), by error code: `{ invalid_value: 3 }`. */
  refusals(): Record<string, number> {
    return this.#refusals.get();
  }

  /** 'local' (the store itself) or 'remote' (through a server). */
  get mode(): 'local' | 'remote' {
    return this.#open().sink.mode;
  }

  /** Opens the store or connects to the server, and creates (or joins) the run. */
  async open(): Promise<this> {
    if (this.#state !== 'new') throw new ExperimentStateError('closed', 'This experiment was already opened.');
    this.#state = 'opening';
    try {
      const target = resolveTarget(this.options);
      const sink = await openSink(target, this.options);
      this.#markStatus = this.options.markStatus ?? target.runId === undefined;
      if (target.runId !== undefined) {
        for (const s of await sink.listSeries()) {
          const metric = s.series.labels[METRIC_LABEL];
          if (metric === undefined) continue;
          this.#existingFields.set(`${metric}\u0000${s.series.labels[FIELD_LABEL] ?? 'value'}`, s.id);
          if (s.lastX !== null) {
            this.#firstIndex.set(metric, Math.max(this.#firstIndex.get(metric) ?? 0, s.lastX + 1));
          }
        }
      }
      this.#sink = sink;
      this.#writer = new PointWriter(sink, { flushIntervalMs: this.options.flushIntervalMs ?? 200 });
      this.#handles = {
        sink,
        writer: this.#writer,
        get run() {
          return sink.run;
        },
      };
      this.#state = 'open';
      noteOpened(this.host);
      return this;
    } catch (error) {
      this.#state = 'new';
      throw error;
    }
  }

  /**
   * Opens the experiment, runs `fn` with it as the current experiment (metrics created without
   * one record here), and closes it: completed when `fn` resolves, failed with the error's message
   * when it throws (the error is rethrown).
   */
  async run<T>(fn: (experiment: this) => T | Promise<T>): Promise<T> {
    if (this.#state === 'new') await this.open();
    let result: T;
    try {
      result = await withCurrent(this.host, () => fn(this));
    } catch (error) {
      await this.close({ error });
      throw error;
    }
    await this.close();
    return result;
  }

  /** A Coflux metric bound to this experiment. */
  metric(name: string, options: Omit<MetricOptions, 'experiment'> = {}): Metric {
    return new Metric(name, { ...options, experiment: this });
  }

  /** Appends a line to the run's log (stream `sdk`). */
  log(message: string, options: LogOptions = {}): void {
    this.#open().sink.log({
      text: String(message),
      stream: 'sdk',
      level: options.level ?? 'info',
      time: Date.now(),
      ...(options.metadata ? { metadata: options.metadata } : {}),
    });
  }

  /** Marks the run as failed with this error at close (for `await using`, which cannot see the error). */
  fail(error: unknown): void {
    this.#failed = true;
    this.#failure = error;
  }

  /** Writes the pending ml-dash record and held throttled values, and waits until everything is stored. */
  async flush(): Promise<void> {
    const { writer } = this.#open();
    this.metrics.commit();
    await writer.flush();
  }

  /**
   * Delivers everything, records the status (unless the run belongs to someone else), and closes
   * the store or connection. Resolves with how many points could not be delivered and where they
   * are kept (also said through `onWarning`). Idempotent.
   */
  close(options: CloseOptions = {}): Promise<CloseReport> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === 'open') await this.close();
  }

  async #close(options: CloseOptions): Promise<CloseReport> {
    const { sink, writer } = this.#open();
    let commitError: unknown;
    try {
      this.metrics.commit();
    } catch (error) {
      commitError = error;
    }
    const error = options.error ?? (this.#failed ? this.#failure : undefined);
    const failed = error !== undefined || this.#failed || options.status === 'failed';
    const status: RunStatus = failed ? 'failed' : (options.status ?? 'completed');
    let report: DeliveryReport;
    try {
      await writer.handOver();
      await sink.settle(Date.now() + (this.options.closeTimeoutMs ?? 10_000));
      if (this.#markStatus) {
        const errorMessage = failed && error !== undefined ? { errorMessage: messageOf(error) } : {};
        await sink.updateRun({ status, ...errorMessage }).catch(() => {});
      }
    } finally {
      writer.stop();
      this.#state = 'closed';
      noteClosed(this.host);
      report = await sink.close();
    }
    if (this.#refusals.total > 0) {
      const refused = Object.entries(this.#refusals.get()).map(([code, n]) => `${code}: ${n}`);
      warnOf(this.options)(
        `trainscope: ${this.#refusals.total} calls of run ${sink.run.id} were refused (${refused.join(', ')}).`,
      );
    }
    if (commitError) throw commitError;
    return { ...report, runId: sink.run.id, status: this.#markStatus ? status : null, refused: this.#refusals.get() };
  }

  #open(): { sink: RunSink; writer: PointWriter; run: Run } {
    if (this.#state === 'open' && this.#handles) return this.#handles;
    if (this.#state !== 'open' || !this.#sink || !this.#writer) {
      if (this.#state === 'closed') {
        throw new ExperimentStateError('closed', 'This experiment is closed; open a new Experiment to record more.');
      }
      throw new ExperimentStateError(
        'not_open',
        'Open the experiment first: await experiment.open(), or experiment.run(fn).',
      );
    }
    return { sink: this.#sink, writer: this.#writer, run: this.#sink.run };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

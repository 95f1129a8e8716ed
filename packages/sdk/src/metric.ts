import { type MetricType, type SeriesDef, validateSeriesName } from '@trainscope/core';
import { currentHost } from './current.js';
import { InvalidOptionError } from './errors.js';
import type { MetricGroup, MetricScale } from './metric-axes.js';
import type { MetricHost } from './metric-host.js';
import type { Deferred, PointWriter } from './point-writer.js';
import { Throttle } from './throttle.js';
import { checkAt, valueError } from './values.js';

/** Options of `new Metric(name, options)`. */
export interface MetricOptions {
  /** Chart the metric shares with others (and its x axis). @default none */
  group?: string | MetricGroup;
  /** y axis. @default none */
  scale?: MetricScale;
  /** Values written per second at most (the latest of each window wins); `null` writes every value. @default the experiment's `throttle` (10) */
  throttle?: number | null;
  /** Experiment to record into. @default the current one (inside `experiment.run`), else the last opened */
  experiment?: { readonly host: MetricHost };
  /** @default 'gauge' */
  type?: MetricType;
}

/** Options of `record`. */
export interface RecordOptions {
  /** x value (step, epoch, ...). @default seconds since the run started */
  at?: number;
}

/**
 * A Coflux-style metric: `new Metric('loss', { group: 'training' }).record(0.5, { at: epoch })`.
 * It binds to its experiment at the first `record`. Throttled values are held, never lost: the
 * latest of each window is written, and the last one on the experiment's flush or close.
 */
export class Metric implements Deferred {
  readonly name: string;
  readonly #def: SeriesDef;
  readonly #throttleOption: number | null | undefined;
  readonly #explicit: MetricHost | undefined;
  #host: MetricHost | undefined;
  #writer: PointWriter | undefined;
  #startedAt = 0;
  #id = -1;
  #throttle: Throttle | null = null;

  constructor(name: string, options: MetricOptions = {}) {
    this.name = validateSeriesName(name);
    const { group, scale, throttle } = options;
    if (throttle !== undefined && throttle !== null && !(typeof throttle === 'number' && throttle > 0)) {
      throw new InvalidOptionError(
        `Metric "${name}": throttle must be a number of values per second above 0, or null for none; got ${String(throttle)}.`,
        throttle,
      );
    }
    this.#throttleOption = throttle;
    this.#explicit = options.experiment?.host;
    const def: SeriesDef = { name, type: options.type ?? 'gauge' };
    if (typeof group === 'string') def.group = group;
    else if (group) {
      def.group = group.name;
      def.xScale = group.axis;
    }
    if (scale) {
      def.scale = scale.axis;
      if (scale.axis.units) def.unit = scale.axis.units;
    }
    this.#def = def;
  }

  /** Records a value; x is `at`, else seconds since the run started. Throws `InvalidValueError` for a non-number or a non-finite `at`. */
  record(value: number, options?: RecordOptions): void {
    let writer = this.#writer;
    if (writer === undefined || (this.#host as MetricHost).closed) writer = this.#bind();
    if (typeof value !== 'number') throw this.#refused(valueError(this.name, value));
    const time = Date.now();
    const at = options?.at;
    let x: number;
    if (at === undefined) x = (time - this.#startedAt) / 1000;
    else if (typeof at === 'number' && at - at === 0) x = at;
    else x = this.#at(at);
    const throttle = this.#throttle;
    if (throttle === null) {
      writer.push(this.#id, value, time, x);
      return;
    }
    if (!throttle.holding) writer.defer(this);
    else if (throttle.due(time)) writer.push(this.#id, throttle.value, throttle.time, throttle.x);
    throttle.hold(value, time, x);
  }

  /** Writes a held (throttled) value now. */
  flush(): void {
    this.release(0, true);
  }

  /** @internal called by the writer: writes the held value once its window has passed. */
  release(now: number, force: boolean): boolean {
    const throttle = this.#throttle;
    const writer = this.#writer;
    if (!throttle?.holding || !writer) return false;
    if (!force && !throttle.due(now)) return true;
    writer.push(this.#id, throttle.value, throttle.time, throttle.x);
    throttle.holding = false;
    return false;
  }

  #at(at: unknown): number {
    try {
      return checkAt(this.name, at);
    } catch (error) {
      throw this.#refused(error);
    }
  }

  #refused<E>(error: E): E {
    return this.#host ? this.#host.refusals.count(error) : error;
  }

  #bind(): PointWriter {
    const host = this.#explicit ?? currentHost(this.name);
    if (this.#host && this.#host !== host && !this.#host.closed) this.release(0, true);
    this.#host = host;
    this.#id = host.defineSeries(this.#def);
    this.#startedAt = host.startedAt;
    const perSecond = this.#throttleOption === undefined ? host.throttle : this.#throttleOption;
    this.#throttle = perSecond === null ? null : new Throttle(perSecond);
    this.#writer = host.writer;
    return this.#writer;
  }
}

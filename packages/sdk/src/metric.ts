import { type MetricType, type SeriesDef, validateSeriesName } from '@trainscope/core';
import { currentHost } from './current.js';
import { InvalidOptionError } from './errors.js';
import type { MetricGroup, MetricScale } from './metric-axes.js';
import type { MetricHost } from './metric-host.js';
import type { Deferred } from './point-writer.js';
import { Throttle } from './throttle.js';
import { checkAt, checkValue } from './values.js';

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
    if (typeof value !== 'number') checkValue(this.name, value);
    let host = this.#host;
    if (host === undefined || host.closed) host = this.#bind();
    const time = Date.now();
    const at = options?.at;
    const x = at === undefined ? (time - host.startedAt) / 1000 : checkAt(this.name, at);
    const throttle = this.#throttle;
    if (throttle === null) {
      host.writer.push(this.#id, value, time, x);
      return;
    }
    if (!throttle.holding) host.writer.defer(this);
    else if (throttle.due(time)) host.writer.push(this.#id, throttle.value, throttle.time, throttle.x);
    throttle.hold(value, time, x);
  }

  /** Writes a held (throttled) value now. */
  flush(): void {
    this.release(0, true);
  }

  /** @internal called by the writer: writes the held value once its window has passed. */
  release(now: number, force: boolean): boolean {
    const throttle = this.#throttle;
    const host = this.#host;
    if (!throttle?.holding || !host) return false;
    if (!force && !throttle.due(now)) return true;
    host.writer.push(this.#id, throttle.value, throttle.time, throttle.x);
    throttle.holding = false;
    return false;
  }

  #bind(): MetricHost {
    const host = this.#explicit ?? currentHost(this.name);
    if (this.#host && this.#host !== host) this.release(0, true);
    this.#host = host;
    this.#id = host.defineSeries(this.#def);
    const perSecond = this.#throttleOption === undefined ? host.throttle : this.#throttleOption;
    this.#throttle = perSecond === null ? null : new Throttle(perSecond);
    return host;
  }
}

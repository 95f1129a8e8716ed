import { type SeriesDef, validateSeriesName } from '@trainscope/core';
import { parseTags } from './parse-tags.js';
import { RejectReason } from './reasons.js';
import type { StatsdSample, StatsdType } from './sample.js';
import { counterDefs, distributionDefs, gaugeDef, setDef } from './series-defs.js';

/** Receives each point a flush produces. */
export type EmitPoint = (series: SeriesDef, value: number, time: number) => void;

/** Options of `StatsdAggregator`. */
export interface AggregatorOptions {
  /** Names accepted; samples for others are refused as `undeclared`. @default undefined (all) */
  declared?: ReadonlySet<string> | undefined;
  /** Distinct metrics (name, type and tag set) held; new ones past this are refused. @default 10000 */
  maxMetrics?: number;
}

interface CounterEntry {
  readonly kind: 'counter';
  readonly total: SeriesDef;
  readonly rate: SeriesDef;
  cumulative: number;
  sum: number;
  active: boolean;
  /** A quiet interval after activity writes one zero rate, so charts fall back to 0. */
  zeroDue: boolean;
}
interface GaugeEntry {
  readonly kind: 'gauge';
  readonly series: SeriesDef;
  current: number;
  seen: boolean;
}
interface DistributionEntry {
  readonly kind: 'distribution';
  readonly series: SeriesDef[];
  values: Float64Array;
  n: number;
  count: number;
  active: boolean;
}
interface SetEntry {
  readonly kind: 'set';
  readonly series: SeriesDef;
  readonly members: Set<string>;
  active: boolean;
}
type Entry = CounterEntry | GaugeEntry | DistributionEntry | SetEntry;

const PERCENTILES = [0.5, 0.9, 0.99] as const;

/**
 * Turns statsd samples into per-flush-interval points. Pure: time is passed in, nothing is read
 * from a clock, and `flush` hands points to a callback.
 *
 * - counters: `<name>` cumulative since start, and `<name>/rate` per second over the interval;
 * - gauges: every value as it arrived (deltas applied in order), at its arrival time;
 * - timers (`ms`) and histograms (`h`, `d`): count (scaled by sample rate), min, max, mean and
 *   nearest-rank p50/p90/p99 of the interval's values;
 * - sets: `<name>/cardinality`, distinct members in the interval.
 */
export class StatsdAggregator {
  readonly #declared: ReadonlySet<string> | undefined;
  readonly #maxMetrics: number;
  // Untagged metrics (the common case) are found by name in one map per type, with no key to build.
  readonly #untagged: Record<string, Map<string, Entry>> = {
    c: new Map(),
    g: new Map(),
    ms: new Map(),
    h: new Map(),
    s: new Map(),
  };
  readonly #byRawKey = new Map<string, Entry>();
  readonly #byCanonicalKey = new Map<string, Entry>();
  #lastFlush: number;
  #active: (CounterEntry | DistributionEntry | SetEntry)[] = [];
  #quietCounters: CounterEntry[] = [];
  #gaugeSeries: SeriesDef[] = [];
  #gaugeValues: number[] = [];
  #gaugeTimes: number[] = [];

  /** @param start epoch ms the first interval starts at */
  constructor(start: number, options: AggregatorOptions = {}) {
    this.#lastFlush = start;
    this.#declared = options.declared;
    this.#maxMetrics = options.maxMetrics ?? 10_000;
  }

  /** Distinct metrics held (name, type and tag set). */
  get metricCount(): number {
    return this.#byCanonicalKey.size;
  }

  /** Adds one sample received at `now`; returns why it was refused, or undefined. */
  add(sample: StatsdSample, now: number): RejectReason | undefined {
    const { name, type, value, rate, delta, member, tags } = sample;
    return this.addValue(name, type, value, rate, delta, member, tags, now);
  }

  /** `add` with the sample's fields as arguments (the listener's hot path: no object per sample). */
  addValue(
    name: string,
    type: StatsdType,
    value: number,
    rate: number,
    delta: boolean,
    member: string | undefined,
    tags: string,
    now: number,
  ): RejectReason | undefined {
    if (this.#declared !== undefined && !this.#declared.has(name)) return RejectReason.undeclared;
    const group = type === 'd' ? 'h' : type;
    const untagged = tags.length === 0 ? (this.#untagged[group] as Map<string, Entry>) : undefined;
    const rawKey = untagged === undefined ? `${group}\u0000${name}\u0000${tags}` : name;
    const map = untagged ?? this.#byRawKey;
    let entry = map.get(rawKey);
    if (entry === undefined) {
      const created = this.#lookup(group, name, tags);
      if (typeof created === 'string') return created;
      entry = created;
      // Tags sent in ever new orders could grow the raw-key cache past the metrics it maps to.
      if (map === this.#byRawKey && map.size >= 4 * this.#maxMetrics) map.clear();
      map.set(rawKey, entry);
    }
    switch (entry.kind) {
      case 'counter':
        entry.cumulative += value / rate;
        entry.sum += value / rate;
        if (!entry.active) {
          entry.active = true;
          this.#active.push(entry);
        }
        break;
      case 'gauge':
        entry.current = delta && entry.seen ? entry.current + value : value;
        entry.seen = true;
        this.#gaugeSeries.push(entry.series);
        this.#gaugeValues.push(entry.current);
        this.#gaugeTimes.push(now);
        break;
      case 'distribution':
        if (entry.n === entry.values.length) {
          const grown = new Float64Array(entry.values.length * 2);
          grown.set(entry.values);
          entry.values = grown;
        }
        entry.values[entry.n++] = value;
        entry.count += 1 / rate;
        if (!entry.active) {
          entry.active = true;
          this.#active.push(entry);
        }
        break;
      case 'set':
        entry.members.add(member ?? '');
        if (!entry.active) {
          entry.active = true;
          this.#active.push(entry);
        }
        break;
    }
    return undefined;
  }

  /** Ends the interval at `now`: emits its points and starts the next interval. */
  flush(now: number, emit: EmitPoint): void {
    const seconds = Math.max(now - this.#lastFlush, 1) / 1000;
    this.#lastFlush = now;
    for (let i = 0; i < this.#gaugeSeries.length; i++) {
      emit(this.#gaugeSeries[i] as SeriesDef, this.#gaugeValues[i] as number, this.#gaugeTimes[i] as number);
    }
    this.#gaugeSeries = [];
    this.#gaugeValues = [];
    this.#gaugeTimes = [];
    for (const entry of this.#quietCounters) {
      if (entry.active || !entry.zeroDue) continue;
      emit(entry.rate, 0, now);
      entry.zeroDue = false;
    }
    const quiet: CounterEntry[] = [];
    for (const entry of this.#active) {
      entry.active = false;
      if (entry.kind === 'counter') {
        emit(entry.total, entry.cumulative, now);
        emit(entry.rate, entry.sum / seconds, now);
        entry.sum = 0;
        entry.zeroDue = true;
        quiet.push(entry);
      } else if (entry.kind === 'distribution') {
        emitDistribution(entry, now, emit);
      } else {
        emit(entry.series, entry.members.size, now);
        entry.members.clear();
      }
    }
    this.#active = [];
    this.#quietCounters = quiet;
  }

  #lookup(group: string, name: string, rawTags: string): Entry | RejectReason {
    try {
      // The longest name derived from this one must pass the store's rule too.
      validateSeriesName(`${name}/cardinality`);
      validateSeriesName(name);
    } catch {
      return RejectReason.badName;
    }
    const tags = parseTags(rawTags);
    const canonicalKey = `${group}\u0000${name}\u0000${tags.key}`;
    const known = this.#byCanonicalKey.get(canonicalKey);
    if (known !== undefined) return known;
    if (this.#byCanonicalKey.size >= this.#maxMetrics) return RejectReason.tooManyMetrics;
    const entry = createEntry(group, name, tags.labels);
    this.#byCanonicalKey.set(canonicalKey, entry);
    return entry;
  }
}

function createEntry(group: string, name: string, labels: Readonly<Record<string, string>>): Entry {
  switch (group) {
    case 'c': {
      const [total, rate] = counterDefs(name, labels);
      return { kind: 'counter', total, rate, cumulative: 0, sum: 0, active: false, zeroDue: false };
    }
    case 'g':
      return { kind: 'gauge', series: gaugeDef(name, labels), current: 0, seen: false };
    case 's':
      return { kind: 'set', series: setDef(name, labels), members: new Set(), active: false };
    default:
      return {
        kind: 'distribution',
        series: distributionDefs(name, group === 'ms', labels),
        values: new Float64Array(16),
        n: 0,
        count: 0,
        active: false,
      };
  }
}

function emitDistribution(entry: DistributionEntry, now: number, emit: EmitPoint): void {
  const n = entry.n;
  const values = entry.values.subarray(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  const [count, min, max, mean, ...ps] = entry.series as [SeriesDef, SeriesDef, SeriesDef, SeriesDef, ...SeriesDef[]];
  emit(count, entry.count, now);
  emit(min, values[0] as number, now);
  emit(max, values[n - 1] as number, now);
  emit(mean, sum / n, now);
  PERCENTILES.forEach((p, i) => {
    const rank = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
    emit(ps[i] as SeriesDef, values[rank] as number, now);
  });
  entry.n = 0;
  entry.count = 0;
}

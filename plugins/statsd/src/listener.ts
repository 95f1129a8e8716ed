import { BatchBuilder, type Logger, type LogInput, type PointBatch, type SeriesDef } from '@trainscope/core';
import { StatsdAggregator } from './aggregator.js';
import type { ResolvedStatsdOptions } from './options.js';
import { type SampleSink, scanStatsdLines, scanStatsdPacket } from './parse-packet.js';
import { RejectReason } from './reasons.js';
import { RejectionTally } from './rejection-tally.js';
import { openTransports, type StatsdAddress, type Transports } from './transports.js';

/** Where a listener sends what it produces: a plugin context, or a collector's callbacks. */
export interface StatsdSink {
  series(def: SeriesDef): number;
  ingest(batch: PointBatch): void;
  log(line: LogInput): void;
  readonly logger: Logger;
}

/** Counters of what a listener has seen since it started. */
export interface StatsdStats {
  /** Datagrams, plus runs of lines read from streams. */
  packets: number;
  /** Samples accepted (a multi-value line counts each value). */
  metrics: number;
  /** Refusals by reason (see `RejectReason`). */
  refused: Partial<Record<RejectReason, number>>;
  /** Points handed to the store. */
  points: number;
  /** Flush intervals completed. */
  flushes: number;
  /** Distinct metrics held (name, type and tag set). */
  metricCount: number;
}

/**
 * The listener engine: sockets in, parsed samples through the aggregator, a columnar batch out
 * every flush interval, refusal summaries into the run log every report interval.
 */
export class StatsdListener {
  readonly #options: ResolvedStatsdOptions;
  readonly #out: StatsdSink;
  readonly #aggregator: StatsdAggregator;
  readonly #tally = new RejectionTally();
  readonly #sink: SampleSink;
  #now = 0;
  readonly #ids = new Map<SeriesDef, number>();
  #builder = new BatchBuilder();
  #transports: Transports | undefined;
  #timers: NodeJS.Timeout[] = [];
  #stopping: Promise<void> | undefined;
  #stats = { packets: 0, metrics: 0, points: 0, flushes: 0 };

  constructor(options: ResolvedStatsdOptions, sink: StatsdSink) {
    this.#options = options;
    this.#out = sink;
    this.#sink = {
      sample: (name, type, value, rate, delta, member, tags) => {
        const refused = this.#aggregator.addValue(name, type, value, rate, delta, member, tags, this.#now);
        if (refused === undefined) this.#stats.metrics++;
        else this.#tally.count(refused, name);
      },
      reject: (reason, text) => this.#tally.count(reason, text),
    };
    this.#aggregator = new StatsdAggregator(Date.now(), {
      declared: options.metrics,
      maxMetrics: options.maxMetrics,
    });
  }

  /** Binds the sockets and starts the flush and report timers. */
  async start(): Promise<void> {
    this.#transports = await openTransports(
      this.#options,
      {
        onDatagram: (bytes) => this.handlePacket(bytes, Date.now(), this.#options.maxPacketSize),
        onStreamLines: (lines) => this.handleLines(lines, Date.now()),
        onOversizedLine: (length) => this.#tally.count(RejectReason.oversized, `${length} characters`),
      },
      this.#out.logger,
    );
    if (this.#stopping !== undefined) {
      // Stopped while the sockets were being bound: release them at once.
      await this.#transports.close();
      return;
    }
    const { udp, tcp, socketPath, udpReceiver } = this.address();
    this.#out.logger.info('statsd listening', {
      udp: udp && `${udp.address}:${udp.port} (${udpReceiver})`,
      tcp: tcp && `${tcp.address}:${tcp.port}`,
      socketPath,
    });
    this.#timers.push(setInterval(() => this.flush(Date.now()), this.#options.flushInterval).unref());
    this.#timers.push(setInterval(() => this.report(Date.now()), this.#options.reportInterval).unref());
  }

  /** Parses and aggregates one datagram received at `now`. */
  handlePacket(packet: Buffer | string, now: number, maxPacketSize: number): void {
    this.#stats.packets++;
    this.#now = now;
    scanStatsdPacket(packet, this.#sink, maxPacketSize);
  }

  /** Parses and aggregates a run of complete lines read from a stream at `now`. */
  handleLines(lines: string, now: number): void {
    this.#stats.packets++;
    this.#now = now;
    scanStatsdLines(lines, this.#sink);
  }

  /** Ends the current interval at `now` and hands its points to the sink. */
  flush(now: number): void {
    this.#aggregator.flush(now, (def, value, time) => {
      const id = this.#seriesId(def);
      if (id >= 0) this.#builder.push(id, value, time);
    });
    this.#stats.flushes++;
    if (this.#builder.length === 0) return;
    const batch = this.#builder.take();
    this.#stats.points += batch.length;
    try {
      this.#out.ingest(batch);
    } catch (error) {
      this.#out.logger.error('statsd: the store refused a batch', { error: String(error), points: batch.length });
    }
  }

  /** Writes a summary of refusals since the last report to the run log, if there were any. */
  report(now: number): void {
    const line = this.#tally.takeReport(now);
    if (line !== undefined) this.#out.log(line);
  }

  /** Counters since start. */
  stats(): StatsdStats {
    return { ...this.#stats, refused: this.#tally.totals(), metricCount: this.#aggregator.metricCount };
  }

  /** Where the sockets are bound (empty before `start`). */
  address(): StatsdAddress {
    return this.#transports?.address() ?? {};
  }

  /** Closes the sockets, then writes the last interval and the last report. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const timer of this.#timers) clearInterval(timer);
      this.#timers = [];
      await this.#transports?.close();
      const now = Date.now();
      this.flush(now);
      this.report(now);
    })();
    return this.#stopping;
  }

  #seriesId(def: SeriesDef): number {
    let id = this.#ids.get(def);
    if (id === undefined) {
      try {
        id = this.#out.series(def);
      } catch (error) {
        id = -1;
        this.#out.logger.error('statsd: the store refused a series', { series: def.name, error: String(error) });
        this.#tally.count(RejectReason.storeRefused, def.name);
      }
      this.#ids.set(def, id);
    }
    return id;
  }
}

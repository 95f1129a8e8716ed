import { BIGINT, BOOLEAN, DOUBLE, type DuckDBConnection, SMALLINT, UINTEGER } from '@duckdb/node-api';
import { type PointBatch, validateBatchShape, validateBatchValues } from '../batch.js';
import { BatchError, UnknownSeriesError } from '../errors.js';
import type { SeriesDelta } from '../live/live-hub.js';
import {
  allocM4,
  chooseBaseExponent,
  LEVEL_COUNT,
  LEVEL_STEP,
  M4_WIDTH,
  M4Builder,
  type M4Columns,
  m4OfPacked,
  mergeInto,
  packM4,
  resetBucket,
  unpackM4,
} from '../m4.js';
import { ChunkAppender } from './chunk-appender.js';
import { LevelWrites } from './level-writes.js';
import { SeriesSlots } from './series-slots.js';
import type { SeriesState } from './series-state.js';

/**
 * Per level, a bucket index at or above every row the level tables can hold for a series whose
 * written marks are not tracked: the bucket of its greatest x (no stored point lies beyond it).
 */
function writtenBound(state: SeriesState, baseExp: number): Float64Array {
  const out = new Float64Array(LEVEL_COUNT).fill(Number.NEGATIVE_INFINITY);
  if (state.count === 0) return out;
  for (let l = 0; l < LEVEL_COUNT; l++) out[l] = Math.floor(state.lastX * 2 ** -(baseExp + LEVEL_STEP * l));
  return out;
}

/** A copy of the series' written marks to update, or the bound from its greatest x when untracked. */
function writtenMarks(state: SeriesState, baseExp: number): Float64Array {
  return state.written ? Float64Array.from(state.written) : writtenBound(state, baseExp);
}

/** Ingestor settings. */
export interface IngestorOptions {
  /** Flush when this many points are pending. @default 1000000 */
  flushPoints?: number;
  /** Flush at least this often, so at most this much data is at risk. @default 500 */
  flushIntervalMs?: number;
  /**
   * `ingestAsync` waits while points it acknowledged longer ago than this are not yet committed.
   * @default half of flushIntervalMs
   */
  maxAckAgeMs?: number;
  /**
   * `ingestAsync` also waits while committing what is pending (after the flush in progress) would
   * take longer than this, judged by how long recent flushes took per point, so that a writer
   * faster than the disk is slowed before it is told points are taken that the store could not
   * commit within about `maxAckAgeMs` + this. @default flushIntervalMs
   */
  maxCommitDelayMs?: number;
  /** Refuse `ingest` beyond this many pending points (the store cannot keep up). @default 8000000 */
  maxPendingPoints?: number;
  /**
   * Series whose newest M4 buckets stay in memory at most (about 600 bytes each); beyond it the
   * least recently written have theirs written out. @default 20000
   */
  maxHeldSeries?: number;
  /** A series not written to for this long has its newest buckets written out at the next flush. @default 60000 */
  heldIdleMs?: number;
}

/** What the ingestor needs from its store. */
export interface IngestorHost {
  readonly connection: DuckDBConnection;
  state(seriesId: number): SeriesState | undefined;
  /**
   * Writes rows that must precede points in the same transaction (new series, log lines) and
   * returns a function that makes them pending again if the transaction fails.
   */
  writeSideRows(): Promise<() => void>;
  /** Called after every successful commit with the runs whose points it held. */
  touched(runIds: ReadonlySet<string>): void;
  /** Whether anyone listens for committed deltas (building them costs a pass over the points). */
  wantsDeltas(): boolean;
  /** Called after a successful commit, with the deltas written. */
  committed(deltas: SeriesDelta[]): void;
  /** Called when a flush fails; the data stays pending and is retried. */
  failed(error: unknown): void;
  /** Called on the first successful flush after one or more failed. */
  resumed(): void;
  /** Serialises writer-connection use with other writes (run updates). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

const POINT_TYPES = [UINTEGER, BIGINT, DOUBLE, DOUBLE, DOUBLE, BOOLEAN];
const STATS_TYPES = [UINTEGER, BIGINT, BIGINT, BIGINT, ...Array.from({ length: 7 }, () => DOUBLE), SMALLINT];

const EMPTY_BATCH: PointBatch = {
  length: 0,
  series: new Uint32Array(0),
  x: new Float64Array(0),
  time: new Float64Array(0),
  value: new Float64Array(0),
};

/** A flush's working arrays, reused from flush to flush (see `Ingestor.#growScratch`). */
interface Scratch {
  xs: Float64Array;
  ns: BigInt64Array;
  xa: Uint8Array;
}

/** What the point buffers start with: enough for a quiet store. */
const SMALL_CAPACITY = 1 << 16;

/**
 * Capacity for `need` points in a buffer of `have`: at least the small size; past it, at once
 * `steady` (what a steady writer keeps pending), so a busy store copies and first touches each
 * buffer once rather than at every doubling; doubling beyond that.
 */
function grownCapacity(have: number, need: number, steady: number): number {
  let capacity = Math.max(have, need <= SMALL_CAPACITY ? SMALL_CAPACITY : steady, 1);
  while (capacity < need) capacity *= 2;
  return capacity;
}

/** Pending points, columnar and growable. */
class PendingPoints {
  /** Capacity to grow to at once past the small size (see `grownCapacity`). */
  readonly #growTo: number;
  series = new Uint32Array(SMALL_CAPACITY);
  x = new Float64Array(SMALL_CAPACITY);
  time = new Float64Array(SMALL_CAPACITY);
  value = new Float64Array(SMALL_CAPACITY);
  length = 0;

  constructor(growTo = 0) {
    this.#growTo = growTo;
  }

  append(batch: PointBatch): void {
    const need = this.length + batch.length;
    if (need > this.series.length) this.#grow(need);
    const n = batch.length;
    this.series.set(batch.series.subarray(0, n), this.length);
    this.x.set(batch.x.subarray(0, n), this.length);
    this.time.set(batch.time.subarray(0, n), this.length);
    this.value.set(batch.value.subarray(0, n), this.length);
    this.length = need;
  }

  prepend(other: PendingPoints): void {
    if (other.length === 0) return;
    const merged = new PendingPoints(this.#growTo);
    merged.#grow(other.length + this.length);
    merged.append(other.asBatch());
    merged.append(this.asBatch());
    Object.assign(this, { series: merged.series, x: merged.x, time: merged.time, value: merged.value });
    this.length = merged.length;
  }

  /** Removes the first `skip.get(id)` points of each series named, keeping the order of the rest. */
  dropHead(skip: Map<number, number>): number {
    const left = new Map(skip);
    let w = 0;
    for (let r = 0; r < this.length; r++) {
      const id = this.series[r] as number;
      const k = left.get(id);
      if (k !== undefined && k > 0) {
        left.set(id, k - 1);
        continue;
      }
      this.series[w] = id;
      this.x[w] = this.x[r] as number;
      this.time[w] = this.time[r] as number;
      this.value[w] = this.value[r] as number;
      w++;
    }
    const dropped = this.length - w;
    this.length = w;
    return dropped;
  }

  /** Empties it, keeping its capacity for the next points. */
  clear(): void {
    this.length = 0;
  }

  asBatch(): PointBatch {
    const n = this.length;
    return {
      length: n,
      series: this.series.subarray(0, n),
      x: this.x.subarray(0, n),
      time: this.time.subarray(0, n),
      value: this.value.subarray(0, n),
    };
  }

  #grow(need: number): void {
    const capacity = grownCapacity(this.series.length, need, this.#growTo);
    const series = new Uint32Array(capacity);
    series.set(this.series.subarray(0, this.length));
    const x = new Float64Array(capacity);
    x.set(this.x.subarray(0, this.length));
    const time = new Float64Array(capacity);
    time.set(this.time.subarray(0, this.length));
    const value = new Float64Array(capacity);
    value.set(this.value.subarray(0, this.length));
    this.series = series;
    this.x = x;
    this.time = time;
    this.value = value;
  }
}

/** Per-series result of planning a flush, applied to the in-memory state only after commit. */
interface SeriesPlan {
  state: SeriesState;
  baseExp: number;
  next: SeriesState;
  levels: M4Builder[];
  /** Points the series held before this flush: its first point here is numbered this. */
  from: number;
  /** Indices into the flushed points of this series' points, in arrival order (filled for deltas). */
  rows: Int32Array;
  /** For a series without a bucket grid: its first points, held back until the grid is chosen. */
  undecided: number[] | null;
}

/** Points of a new series that choose its bucket grid (see `chooseBaseExponent`). */
const UNDECIDED_SAMPLE = 4096;

/**
 * Takes columnar batches, keeps them pending briefly, and writes them in one transaction per
 * flush: raw points through the appender's data-chunk API, the M4 level rows whose buckets are
 * complete (the newest bucket of each level stays in memory until a later one starts), and the
 * series statistics. Flushes on size, on a timer, and on close. A failed flush keeps its
 * points pending and is retried, so a full disk pauses ingestion without losing or doubling.
 */
export class Ingestor {
  readonly #host: IngestorHost;
  readonly #flushPoints: number;
  readonly #flushIntervalMs: number;
  readonly #maxPending: number;
  /**
   * The most points a writer keeps pending in steady state (`ingestAsync` flushes past twice
   * `flushPoints`): what the pending and working buffers grow to past their small size.
   */
  readonly #steadyPending: number;
  #pending: PendingPoints;
  /** The buffer the last flush took, emptied, to take the next points (no regrowing per flush). */
  #spare: PendingPoints | null = null;
  /** Per-flush working arrays, grown as needed and reused (a flush's plan and write-out). */
  #scratch: Scratch = {
    xs: new Float64Array(0),
    ns: new BigInt64Array(0),
    xa: new Uint8Array(0),
  };
  #flushing: Promise<void> = Promise.resolve();
  /** Pairs (time acknowledged, points accepted after it), oldest first from `#ackHead`. */
  readonly #acks: number[] = [];
  #ackHead = 0;
  readonly #maxAckAgeMs: number;
  readonly #maxCommitDelayMs: number;
  /** Milliseconds a flush took per point, averaged over recent flushes; null before the first. */
  #msPerPoint: number | null = null;
  /** Points of the flush in progress and when it started writing (performance.now()). */
  #inFlight = 0;
  #inFlightSince = 0;
  /** Per series, points accepted so far (committed + pending), for series ingested to since open. */
  readonly #acceptedBy = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #pointAppender = new ChunkAppender(POINT_TYPES);
  /** Scratch for numbering the series of one batch (ingest, then a flush's plan). */
  readonly #slots = new SeriesSlots();
  readonly #newestScratch = allocM4(1);
  readonly #closedScratch = allocM4(1);
  /** Series holding newest buckets in memory, least recently written first, with when they were written. */
  readonly #active = new Map<number, number>();
  #evictAll = false;
  readonly #maxHeld: number;
  readonly #heldIdleMs: number;
  #evictionEpoch = 0;
  #statsAppender = new ChunkAppender(STATS_TYPES);
  #lastError: unknown = null;
  /** Points accepted by `ingest` so far. */
  accepted = 0;
  /** Points committed to the store so far. */
  committed = 0;
  /**
   * M4 bucket rows committed by upsert into a row already there (points out of order, buckets
   * written before a series went idle or the store reopened) rather than appended, so far.
   */
  mergedBuckets = 0;

  constructor(host: IngestorHost, options: IngestorOptions = {}) {
    this.#host = host;
    this.#flushPoints = options.flushPoints ?? 1_000_000;
    this.#flushIntervalMs = options.flushIntervalMs ?? 500;
    this.#maxAckAgeMs = options.maxAckAgeMs ?? this.#flushIntervalMs / 2;
    this.#maxCommitDelayMs = options.maxCommitDelayMs ?? this.#flushIntervalMs;
    this.#maxPending = options.maxPendingPoints ?? 8_000_000;
    this.#maxHeld = options.maxHeldSeries ?? 20_000;
    this.#heldIdleMs = options.heldIdleMs ?? 60_000;
    this.#steadyPending = Math.min(this.#flushPoints * 2, this.#maxPending);
    this.#pending = new PendingPoints(this.#steadyPending);
  }

  /**
   * Odd while a flush that writes out buckets held in memory is in progress; bumped before and
   * after it. A reader that combines a database read with the buckets in memory reads again when
   * this changed under it (see `SeriesState.open`).
   */
  get evictionEpoch(): number {
    return this.#evictionEpoch;
  }

  /** Points waiting for the next flush. */
  get pending(): number {
    return this.#pending.length;
  }

  /** The error of the last failed flush, or null once a flush succeeds again. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * Accepts a batch (copied; the caller may reuse its arrays). Throws `BatchError` for a
   * malformed batch and `UnknownSeriesError` for ids the store has not defined; nothing of a
   * refused batch is kept.
   */
  ingest(batch: PointBatch): void {
    if (this.#closed) throw new BatchError('The store is closed; no more points can be ingested.');
    validateBatchShape(batch);
    validateBatchValues(batch);
    const { series, length } = batch;
    // Points per series in this batch.
    const slots = this.#slots;
    slots.clear();
    const counts: number[] = [];
    try {
      let last = -1;
      let slot = -1;
      for (let i = 0; i < length; i++) {
        const id = series[i] as number;
        if (id !== last) {
          slot = slots.get(id);
          if (slot < 0) {
            if (!this.#host.state(id)) throw new UnknownSeriesError(id);
            slot = slots.add(id);
            counts.push(0);
          }
          last = id;
        }
        counts[slot] = (counts[slot] as number) + 1;
      }
    } catch (error) {
      slots.clear();
      throw error;
    }
    const runs = new Map<number, number>(slots.ids.map((id, k) => [id, counts[k] as number]));
    slots.clear();
    if (this.#pending.length + length > this.#maxPending) {
      throw new BatchError(
        `The ingest buffer holds ${this.#pending.length} points and cannot take ${length} more until the store catches up${
          this.#lastError ? ` (last write failed: ${String(this.#lastError)})` : ''
        }.`,
        length,
      );
    }
    this.#pending.append(batch);
    this.accepted += length;
    this.#acks.push(Date.now(), this.accepted);
    for (const [id, count] of runs) this.#acceptedBy.set(id, this.nextIndex(id) + count);
    if (this.#pending.length >= this.#flushPoints) void this.flush().catch(() => {});
    else this.#arm();
  }

  /**
   * The position the next point of a series will take: points committed plus points accepted and
   * not yet committed. A writer that resends after an outage skips what the series already holds.
   */
  nextIndex(seriesId: number): number {
    const accepted = this.#acceptedBy.get(seriesId);
    if (accepted !== undefined) return accepted;
    const state = this.#host.state(seriesId);
    if (!state) throw new UnknownSeriesError(seriesId);
    return state.count;
  }

  /**
   * After the database was reopened: drops from the pending points the first `k` of each series
   * that a write reported as failed had in fact committed. Returns how many were dropped.
   */
  dropCommitted(skip: Map<number, number>): number {
    const dropped = this.#pending.dropHead(skip);
    this.committed += dropped;
    return dropped;
  }

  /**
   * Like `ingest`, but with back-pressure: waits for the store first when enough is pending, or
   * when points it acknowledged more than `maxAckAgeMs` ago are still not committed, so what a
   * writer was told is taken is on disk within about that time (while writes succeed).
   */
  async ingestAsync(batch: PointBatch): Promise<void> {
    if (this.#pending.length + batch.length > this.#flushPoints * 2) await this.flush();
    while (this.#lastError === null) {
      const oldest = this.#oldestUncommittedAck();
      if (oldest === null || Date.now() - oldest <= this.#maxAckAgeMs) break;
      await this.flush().catch(() => {});
    }
    while (this.#lastError === null && (this.#pending.length > 0 || this.#inFlight > 0)) {
      if (this.#commitDelayEstimate(batch.length) <= this.#maxCommitDelayMs) break;
      await this.flush().catch(() => {});
    }
    this.ingest(batch);
  }

  /**
   * How long, in ms, committing the flush in progress and then everything pending plus `more`
   * points would take at the recent rate (0 before any flush was timed).
   */
  #commitDelayEstimate(more: number): number {
    const perPoint = this.#msPerPoint;
    if (perPoint === null) return 0;
    const inFlightLeft = Math.max(0, this.#inFlight * perPoint - (performance.now() - this.#inFlightSince));
    return inFlightLeft + (this.#pending.length + more) * perPoint;
  }

  /** When the oldest acknowledged point not yet committed was acknowledged (epoch ms), or null. */
  #oldestUncommittedAck(): number | null {
    const acks = this.#acks;
    while (this.#ackHead < acks.length && (acks[this.#ackHead + 1] as number) <= this.committed) this.#ackHead += 2;
    if (this.#ackHead > 4096 && this.#ackHead * 2 > acks.length) {
      acks.splice(0, this.#ackHead);
      this.#ackHead = 0;
    }
    return this.#ackHead < acks.length ? (acks[this.#ackHead] as number) : null;
  }

  /**
   * Writes everything pending now. Resolves when it is committed; rejects if the write failed.
   * Flushes run one after another: each plans against the state the previous one committed.
   */
  flush(): Promise<void> {
    const next = this.#flushing
      .catch(() => {})
      .then(() => {
        if (this.#pending.length === 0 && !this.#hasSideRows && !(this.#evictAll && this.#active.size > 0)) return;
        return this.#flushOnce();
      });
    this.#flushing = next;
    return next;
  }

  /** Set by the store when log lines or series rows are waiting. */
  #hasSideRows = false;
  markSideRows(): void {
    this.#hasSideRows = true;
    this.#arm();
  }

  /** Flushes, writing out every bucket held in memory, and stops the timer. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#evictAll = true;
    await this.flush();
    // The flush above keeps the newest buckets of the series it wrote points to: this one writes them.
    await this.flush();
    this.#closed = true;
  }

  #arm(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(() => {
        // failed() has reported it; retry on the next tick of the timer
        this.#arm();
      });
    }, this.#flushIntervalMs);
    this.#timer.unref?.();
  }

  async #flushOnce(): Promise<void> {
    let taken: PendingPoints | null = null;
    let batch: PointBatch = EMPTY_BATCH;
    let xs: Float64Array = new Float64Array(0);
    let xa: Uint8Array = new Uint8Array(0);
    let plans = new Map<number, SeriesPlan>();
    let evicted: SeriesState[] = [];
    try {
      await this.#host.exclusive(async () => {
        // Taken and numbered only once the writer is ours: a reopen after a failed write (also
        // exclusive) reconciles the pending points with the database first, and must see them all.
        taken = this.#pending;
        this.#pending = this.#spare ?? new PendingPoints(this.#steadyPending);
        this.#spare = null;
        this.#hasSideRows = false;
        batch = taken.asBatch();
        const scratch = this.#growScratch(batch.length);
        xs = scratch.xs.subarray(0, batch.length);
        const ns = scratch.ns.subarray(0, batch.length);
        xa = scratch.xa.subarray(0, batch.length);
        this.#inFlight = batch.length;
        this.#inFlightSince = performance.now();
        const writes = new LevelWrites();
        plans = this.#plan(batch, xs, ns, xa, writes);
        evicted = this.#evictions(plans, writes);
        if (evicted.length > 0) this.#evictionEpoch++;
        const c = this.#host.connection;
        await c.run('BEGIN TRANSACTION');
        let restoreSideRows: (() => void) | undefined;
        try {
          restoreSideRows = await this.#host.writeSideRows();
          if (batch.length > 0 || writes.size > 0) await this.#write(c, batch, xs, ns, xa, plans, writes);
          await c.run('COMMIT');
        } catch (error) {
          await c.run('ROLLBACK').catch(() => {});
          restoreSideRows?.();
          this.#hasSideRows = true;
          if (evicted.length > 0) this.#evictionEpoch++;
          throw error;
        }
        // Still inside: a reconcile must never see this commit without its counts.
        const now = Date.now();
        for (const plan of plans.values()) {
          Object.assign(plan.state, plan.next);
          const id = plan.state.series.id;
          this.#active.delete(id);
          this.#active.set(id, now);
        }
        for (const state of evicted) {
          state.open = null;
          state.written = null;
          this.#active.delete(state.series.id);
        }
        if (evicted.length > 0) this.#evictionEpoch++;
        this.committed += batch.length;
        this.mergedBuckets += writes.merged;
        this.#timeFlush(batch.length, performance.now() - this.#inFlightSince);
      });
    } catch (error) {
      // Keep the points for the next attempt, ahead of anything ingested meanwhile.
      this.#inFlight = 0;
      if (taken) this.#pending.prepend(taken);
      this.#lastError = error;
      this.#host.failed(error);
      this.#arm();
      throw error;
    }
    if (this.#lastError !== null) {
      this.#lastError = null;
      this.#host.resumed();
    }
    const runs = new Set<string>();
    for (const plan of plans.values()) runs.add(plan.state.series.runId);
    this.#oldestUncommittedAck(); // drops what this commit covered
    if (runs.size > 0) this.#host.touched(runs);
    if (this.#host.wantsDeltas()) {
      this.#groupRows(plans, batch);
      this.#host.committed(this.#deltas(plans, batch, xs, xa));
    }
    if (taken !== null) {
      (taken as PendingPoints).clear();
      this.#spare = taken;
    }
  }

  /** The per-flush working arrays, each at least `n` long. */
  #growScratch(n: number): Scratch {
    const s = this.#scratch;
    if (s.xs.length < n) {
      const size = grownCapacity(s.xs.length, n, this.#steadyPending);
      this.#scratch = {
        xs: new Float64Array(size),
        ns: new BigInt64Array(size),
        xa: new Uint8Array(size),
      };
    }
    return this.#scratch;
  }

  /** Folds a committed flush's time into the per-point rate (flushes too small to time skipped). */
  #timeFlush(points: number, ms: number): void {
    this.#inFlight = 0;
    if (points < 10_000) return;
    const perPoint = ms / points;
    this.#msPerPoint = this.#msPerPoint === null ? perPoint : 0.7 * this.#msPerPoint + 0.3 * perPoint;
  }

  /** Per-series deltas of a committed flush, for live subscribers. */
  #deltas(plans: Map<number, SeriesPlan>, batch: PointBatch, xs: Float64Array, xa: Uint8Array): SeriesDelta[] {
    const deltas: SeriesDelta[] = [];
    for (const plan of plans.values()) {
      const m = plan.rows.length;
      const delta: SeriesDelta = {
        seriesId: plan.state.series.id,
        runId: plan.state.series.runId,
        from: plan.from,
        x: new Float64Array(m),
        xGiven: new Uint8Array(m),
        time: new Float64Array(m),
        value: new Float64Array(m),
      };
      for (let j = 0; j < m; j++) {
        const i = plan.rows[j] as number;
        delta.x[j] = xs[i] as number;
        delta.xGiven[j] = xa[i] ? 0 : 1;
        delta.time[j] = batch.time[i] as number;
        delta.value[j] = batch.value[i] as number;
      }
      deltas.push(delta);
    }
    return deltas;
  }

  /**
   * One pass over the flush's points in arrival order: numbers each within its series, fills
   * the effective x (the point number where none was given), adds it to its series' level-0 M4
   * buckets and folds it into the series' next statistics. Coarser levels are then built from
   * level 0, bucket by bucket. Nothing in memory changes until the flush commits.
   */
  #plan(
    batch: PointBatch,
    xs: Float64Array,
    ns: BigInt64Array,
    xa: Uint8Array,
    writes: LevelWrites,
  ): Map<number, SeriesPlan> {
    const plans = new Map<number, SeriesPlan>();
    const { series, length } = batch;
    const bx = batch.x;
    const values = batch.value;
    const times = batch.time;
    const order: SeriesPlan[] = [];
    const slots = this.#slots;
    slots.clear();
    // BigInt64Array written through a 32-bit view: no BigInt per point.
    const words = new Uint32Array(ns.buffer, ns.byteOffset, ns.length * 2);
    let lastId = -1;
    let plan: SeriesPlan | undefined;
    let next: SeriesState | undefined;
    let level0: M4Builder | null = null;
    for (let i = 0; i < length; i++) {
      const id = series[i] as number;
      if (id !== lastId) {
        const slot = slots.get(id);
        if (slot >= 0) plan = order[slot] as SeriesPlan;
        else {
          const state = this.#host.state(id);
          if (!state) {
            slots.clear();
            throw new UnknownSeriesError(id);
          }
          slots.add(id);
          const baseExp = state.baseExp;
          plan = {
            state,
            baseExp: baseExp ?? 0,
            next: { ...state },
            from: state.count,
            levels: baseExp === null ? [] : [new M4Builder(baseExp, 4)],
            rows: new Int32Array(0),
            undecided: baseExp === null ? [] : null,
          };
          order.push(plan);
          plans.set(id, plan);
        }
        next = plan.next;
        level0 = plan.undecided === null ? (plan.levels[0] as M4Builder) : null;
        lastId = id;
      }
      const p = plan as SeriesPlan;
      const nx = next as SeriesState;
      const n = nx.count;
      let x = bx[i] as number;
      if (Number.isNaN(x)) {
        x = n;
        xa[i] = 1;
      } else {
        xa[i] = 0;
      }
      xs[i] = x;
      words[2 * i] = n >>> 0;
      words[2 * i + 1] = Math.floor(n / 4294967296);
      const v = values[i] as number;
      if (level0 !== null) level0.addPoint(x, v);
      else {
        const undecided = p.undecided as number[];
        undecided.push(i);
        if (undecided.length === UNDECIDED_SAMPLE) level0 = this.#decideBase(p, xs, values);
      }
      nx.count = n + 1;
      // "last" is the point with the greatest x, the latest arrival on ties.
      if (!(x < nx.lastX)) {
        nx.lastX = x;
        nx.lastV = v;
        nx.lastT = times[i] as number;
      }
      if (v - v === 0) {
        const finite = nx.finite + 1;
        nx.finite = finite;
        if (!(v >= nx.min)) nx.min = v;
        if (!(v <= nx.max)) nx.max = v;
        const d = v - nx.mean;
        nx.mean += d / finite;
        nx.m2 += d * (v - nx.mean);
      } else {
        nx.nonFinite++;
        if (v === Infinity && !(v <= nx.max)) nx.max = v;
        if (v === -Infinity && !(v >= nx.min)) nx.min = v;
      }
    }
    slots.clear();
    for (const p of order) {
      if (p.undecided !== null) this.#decideBase(p, xs, values);
      p.next.baseExp = p.baseExp;
      for (let l = 1; l < LEVEL_COUNT; l++) {
        const finer = (p.levels[l - 1] as M4Builder).columns();
        const coarser = new M4Builder(p.baseExp + LEVEL_STEP * l, Math.min(64, (finer.length >> LEVEL_STEP) + 2));
        for (let b = 0; b < finer.length; b++) coarser.addBucket(finer, b);
        p.levels.push(coarser);
      }
      this.#settleLevels(p, writes);
    }
    return plans;
  }

  /**
   * For a series without a bucket grid yet: chooses its level-0 exponent from the first points
   * of this flush (those held back in `undecided`) and adds them to a new level-0 builder.
   */
  #decideBase(plan: SeriesPlan, xs: Float64Array, values: Float64Array): M4Builder {
    const undecided = plan.undecided as number[];
    const sample = new Float64Array(undecided.length);
    for (let j = 0; j < undecided.length; j++) sample[j] = xs[undecided[j] as number] as number;
    plan.baseExp = chooseBaseExponent(sample);
    const level0 = new M4Builder(plan.baseExp, 4);
    for (const i of undecided) level0.addPoint(xs[i] as number, values[i] as number);
    plan.levels = [level0];
    plan.undecided = null;
    return level0;
  }

  /** Fills each plan's `rows`: the indices of its points in the flush, arrival order kept. */
  #groupRows(plans: Map<number, SeriesPlan>, batch: PointBatch): void {
    const { series, length } = batch;
    const all = new Int32Array(length);
    const slots = this.#slots;
    slots.clear();
    const fill: number[] = [];
    let at = 0;
    for (const [id, plan] of plans) {
      const m = plan.next.count - plan.from;
      plan.rows = all.subarray(at, at + m);
      slots.add(id);
      fill.push(at);
      at += m;
    }
    for (let i = 0; i < length; i++) {
      const k = slots.get(series[i] as number);
      all[fill[k] as number] = i;
      fill[k] = (fill[k] as number) + 1;
    }
    slots.clear();
  }

  /**
   * Folds a flush's buckets into the series' newest buckets: per level, the bucket with the
   * greatest index (the one points keep landing in) stays in memory as the next `open`, merged
   * with the one held there when it is the same; every other bucket, and the one held before
   * when a later bucket started, becomes a row to write.
   */
  #settleLevels(plan: SeriesPlan, writes: LevelWrites): void {
    const { state, next, baseExp } = plan;
    const id = state.series.id;
    const open = state.open;
    const written = writtenMarks(state, baseExp);
    const nextOpen = new Float64Array(LEVEL_COUNT * M4_WIDTH);
    for (let l = 0; l < LEVEL_COUNT; l++) {
      const exp = baseExp + LEVEL_STEP * l;
      const cols = (plan.levels[l] as M4Builder).columns();
      const held = open !== null && (open[l * M4_WIDTH + 1] as number) > 0;
      const heldB = held ? (open[l * M4_WIDTH] as number) : Number.NaN;
      let top = held ? heldB : Number.NEGATIVE_INFINITY;
      for (let i = 0; i < cols.length; i++) if ((cols.bucket[i] as number) > top) top = cols.bucket[i] as number;
      // Scratch buckets: what they hold is copied out (packed, or into the rows to write) below.
      const newest = resetBucket(this.#newestScratch, top);
      let closed: M4Columns | null = null;
      if (held) {
        if (heldB === top) unpackM4(open, l, newest, 0);
        else {
          closed = resetBucket(this.#closedScratch, heldB);
          unpackM4(open, l, closed, 0);
        }
      }
      for (let i = 0; i < cols.length; i++) {
        const b = cols.bucket[i] as number;
        if (b === top) mergeInto(newest, 0, cols, i);
        else if (closed !== null && b === heldB) mergeInto(closed, 0, cols, i);
      }
      // The bucket held before goes first: the level table has never held it, so it is appended.
      // Added after this flush's later buckets, it would fall below the written mark they raised
      // and be merged by upsert, a statement per level on every in-order flush.
      if (closed !== null) writes.add(l, id, exp, closed, 0, written);
      for (let i = 0; i < cols.length; i++) {
        const b = cols.bucket[i] as number;
        if (b !== top && !(closed !== null && b === heldB)) writes.add(l, id, exp, cols, i, written);
      }
      packM4(newest, 0, nextOpen, l);
    }
    next.open = nextOpen;
    next.written = written;
  }

  /**
   * Series whose buckets held in memory this flush writes out: all of them on close, else the
   * least recently written beyond `maxHeldSeries` and those idle for `heldIdleMs`.
   */
  #evictions(plans: Map<number, SeriesPlan>, writes: LevelWrites): SeriesState[] {
    const out: SeriesState[] = [];
    const now = Date.now();
    let held = this.#active.size;
    for (const id of plans.keys()) if (!this.#active.has(id)) held++;
    for (const [id, at] of this.#active) {
      const over = held - out.length > this.#maxHeld;
      if (!this.#evictAll && !over && now - at < this.#heldIdleMs) break;
      if (plans.has(id)) continue;
      const state = this.#host.state(id);
      if (!state?.open || state.baseExp === null) {
        this.#active.delete(id);
        continue;
      }
      const written = writtenMarks(state, state.baseExp);
      const rows = m4OfPacked(state.open);
      for (let l = 0; l < LEVEL_COUNT; l++) {
        if ((rows.count[l] as number) > 0) writes.add(l, id, state.baseExp + LEVEL_STEP * l, rows, l, written);
      }
      out.push(state);
    }
    return out;
  }

  async #write(
    c: DuckDBConnection,
    batch: PointBatch,
    xs: Float64Array,
    ns: BigInt64Array,
    xa: Uint8Array,
    plans: Map<number, SeriesPlan>,
    writes: LevelWrites,
  ): Promise<void> {
    if (batch.length > 0) {
      const appender = await c.createAppender('points');
      this.#pointAppender.append(appender, [batch.series, ns, xs, batch.time, batch.value, xa], 0, batch.length);
      appender.closeSync();
    }
    await writes.write(c);
    if (plans.size === 0) return;

    const m = plans.size;
    const s = {
      id: new Uint32Array(m),
      count: new BigInt64Array(m),
      nonFinite: new BigInt64Array(m),
      finite: new BigInt64Array(m),
      f: Array.from({ length: 7 }, () => new Float64Array(m)),
      exp: new Int16Array(m),
    };
    let k = 0;
    for (const p of plans.values()) {
      const nx = p.next;
      s.id[k] = nx.series.id;
      s.count[k] = BigInt(nx.count);
      s.nonFinite[k] = BigInt(nx.nonFinite);
      s.finite[k] = BigInt(nx.finite);
      [nx.lastV, nx.lastX, nx.lastT, nx.min, nx.max, nx.mean, nx.m2].forEach((v, j) => {
        (s.f[j] as Float64Array)[k] = v;
      });
      s.exp[k] = p.baseExp;
      k++;
    }
    const statsStage = await c.createAppender('stats_stage');
    this.#statsAppender.append(statsStage, [s.id, s.count, s.nonFinite, s.finite, ...s.f, s.exp], 0, m);
    statsStage.closeSync();
    await c.run('INSERT OR REPLACE INTO series_stats SELECT * FROM stats_stage');
    await c.run('DELETE FROM stats_stage');
  }
}

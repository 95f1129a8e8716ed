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
import { STATS_TABLES } from './schema.js';
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
  /**
   * Flush when this many points are pending. Flushes of a few hundred thousand points leave
   * DuckDB's heavy work (statistics, compression) to the commit, which runs off the JS thread
   * while the next flush is written; much larger ones have the appender do it on the JS thread.
   * @default 250000
   */
  flushPoints?: number;
  /** Flush at least this often, so at most this much data is at risk. @default 500 */
  flushIntervalMs?: number;
  /**
   * `ingestAsync` waits while points it acknowledged longer ago than this are not yet committed
   * (with the commit then under way, what a writer was told is taken is on disk within about
   * this plus a commit: under a second by default).
   * @default flushIntervalMs
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
  /**
   * Let a flush be planned and written on the second writer connection while the one before it
   * commits (see `Ingestor`). Off, each flush starts once the one before it has committed.
   * @default true
   */
  overlapFlushes?: boolean;
}

/** What the ingestor needs from its store. */
export interface IngestorHost {
  /**
   * The writer connections, with the staging tables: flushes alternate between the first two, so
   * one can commit while the next is written on the other. One connection means no overlap.
   */
  writers(): readonly DuckDBConnection[];
  state(seriesId: number): SeriesState | undefined;
  /**
   * Writes rows that must precede points in the same transaction on `c` (new series, log lines)
   * and returns a function that makes them pending again if the transaction fails. `overlapping`:
   * a flush written before is still committing (its new series are still unwritten).
   */
  writeSideRows(c: DuckDBConnection, overlapping: boolean): Promise<() => void>;
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
  /**
   * Serialises writer-connection use with other writes (run updates). The host's other writes
   * also wait for the flushes in flight to settle (`Ingestor.settled`); a flush does not.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

const POINT_TYPES = [UINTEGER, BIGINT, DOUBLE, DOUBLE, DOUBLE, BOOLEAN];
const STATS_TYPES = [UINTEGER, BIGINT, BIGINT, BIGINT, ...Array.from({ length: 7 }, () => DOUBLE), SMALLINT];

/**
 * A flush under way: its points, taken from pending, are planned and written in a transaction of
 * their own on one writer connection, then committed. Until it settles, its points, plans and
 * working arrays are its own.
 */
interface Flight {
  taken: PendingPoints;
  batch: PointBatch;
  xs: Float64Array;
  xa: Uint8Array;
  /** Which of the two sets of working arrays it uses (the other is its neighbour's). */
  scratch: number;
  /** Which writer connection it writes on. */
  writer: number;
  plans: Map<number, SeriesPlan>;
  evicted: SeriesState[];
  merged: number;
  /** Written while the flight before it was still committing. */
  overlapped: boolean;
  restoreSideRows: (() => void) | undefined;
  startedAt: number;
  outcome: 'live' | 'committed' | 'failed';
  /** A flight planned on this one's outcome, which hands this one's points back if it fails. */
  successor: Flight | null;
  /** It failed while a successor was attached: the successor hands its points back. */
  deferred: boolean;
  error: unknown;
  /** Resolves true once committed and applied, false once failed; never rejects. */
  settled: Promise<boolean>;
  /** Resolves once committed and applied; rejects with the error once failed. */
  done: Promise<void>;
  finish(ok: boolean): void;
}

function newFlight(taken: PendingPoints, scratch: number, writer: number): Flight {
  let settle: (ok: boolean) => void = () => {};
  const settled = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const flight: Flight = {
    taken,
    batch: taken.asBatch(),
    xs: new Float64Array(0),
    xa: new Uint8Array(0),
    scratch,
    writer,
    plans: new Map(),
    evicted: [],
    merged: 0,
    overlapped: false,
    restoreSideRows: undefined,
    startedAt: performance.now(),
    outcome: 'live',
    successor: null,
    deferred: false,
    error: null,
    settled,
    done: settled.then((ok) => {
      if (!ok) throw flight.error;
    }),
    finish: (ok) => settle(ok),
  };
  flight.done.catch(() => {}); // awaited by whoever flushed; never an unhandled rejection
  return flight;
}

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
  /** The series' state, which the plan is applied to once its flight commits. */
  state: SeriesState;
  /** What the plan starts from: the state, or the plan of the flight before when still committing. */
  base: SeriesState;
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

/**
 * A copy of a series' state to plan into, always of one shape: the plan's hot loop reads and
 * writes it per point, and copies of copies (a plan on the plan before) built by spreading took
 * other shapes, which made that loop's property accesses polymorphic and it twice as slow.
 */
function copyState(s: SeriesState): SeriesState {
  return {
    series: s.series,
    count: s.count,
    nonFinite: s.nonFinite,
    finite: s.finite,
    lastV: s.lastV,
    lastX: s.lastX,
    lastT: s.lastT,
    min: s.min,
    max: s.max,
    mean: s.mean,
    m2: s.m2,
    baseExp: s.baseExp,
    open: s.open,
    written: s.written,
  };
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
  /**
   * Per-flush working arrays, grown as needed and reused (a flush's plan and write-out): two
   * sets, one for a flight committing and one for the next, planned meanwhile.
   */
  readonly #scratch: Scratch[] = [0, 1].map(() => ({
    xs: new Float64Array(0),
    ns: new BigInt64Array(0),
    xa: new Uint8Array(0),
  }));
  /** The flushes queued, one after another up to the point where each is committing. */
  #building: Promise<unknown> = Promise.resolve();
  /** Flights not yet settled (at most two: one committing, the next being written). */
  readonly #live = new Set<Flight>();
  /** A flush that `ingest` queued for size has not yet taken the points. */
  #sizeFlushQueued = false;
  readonly #overlap: boolean;
  /** When the last flight committed (performance.now()), for the per-point rate. */
  #lastCommitAt = 0;
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
  /** Flushes committed that held points. */
  flushes = 0;
  /** Flushes committed that were written while the flush before them was still committing. */
  overlappedFlushes = 0;

  constructor(host: IngestorHost, options: IngestorOptions = {}) {
    this.#host = host;
    this.#flushPoints = options.flushPoints ?? 250_000;
    this.#flushIntervalMs = options.flushIntervalMs ?? 500;
    this.#maxAckAgeMs = options.maxAckAgeMs ?? this.#flushIntervalMs;
    this.#maxCommitDelayMs = options.maxCommitDelayMs ?? this.#flushIntervalMs;
    this.#maxPending = options.maxPendingPoints ?? 8_000_000;
    this.#maxHeld = options.maxHeldSeries ?? 20_000;
    this.#heldIdleMs = options.heldIdleMs ?? 60_000;
    this.#overlap = options.overlapFlushes ?? true;
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
    if (this.#pending.length < this.#flushPoints) this.#arm();
    else if (!this.#sizeFlushQueued) {
      this.#sizeFlushQueued = true;
      void this.flush().catch(() => {});
    }
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
    // Enough pending: wait until a flush has taken it, not until it commits, so the next points
    // arrive while it is written and committed.
    if (this.#pending.length + batch.length > this.#flushPoints * 2) await this.#queueFlush().taken;
    while (this.#lastError === null) {
      const oldest = this.#oldestUncommittedAck();
      if (oldest === null || Date.now() - oldest <= this.#maxAckAgeMs) break;
      await this.#commitOldest();
    }
    while (this.#lastError === null && (this.#pending.length > 0 || this.#inFlight > 0)) {
      if (this.#commitDelayEstimate(batch.length) <= this.#maxCommitDelayMs) break;
      await this.#commitOldest();
    }
    this.ingest(batch);
  }

  /**
   * Waits for the oldest points not yet committed: for the oldest flight in flight to settle,
   * or, with none, for a flush of what is pending. Waiting for everything instead would empty
   * the pipeline of flushes at every wait, and each flush would again commit alone.
   */
  async #commitOldest(): Promise<void> {
    const [oldest] = this.#live;
    if (oldest !== undefined) await oldest.settled;
    else await this.flush().catch(() => {});
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
   * Flushes are planned one after another, each against the state the one before it leaves;
   * a flush may be written while the one before it commits (see `overlapFlushes`).
   */
  flush(): Promise<void> {
    return this.#queueFlush().done;
  }

  /**
   * Queues a flush: `taken` resolves once it has taken what is pending (or found nothing to
   * take), `done` once it has committed; `done` rejects if the write failed.
   */
  #queueFlush(): { taken: Promise<void>; done: Promise<void> } {
    let took: () => void = () => {};
    const tookPending = new Promise<void>((resolve) => {
      took = resolve;
    });
    const built = this.#building
      .catch(() => {})
      .then((): Promise<Flight> | Flight | null => {
        if (this.#pending.length === 0 && !this.#hasSideRows && !(this.#evictAll && this.#active.size > 0)) {
          this.#sizeFlushQueued = false;
          return this.#liveTail();
        }
        return this.#flushOnce(took);
      });
    this.#building = built;
    // Each is awaited by whoever wants it, the other left alone: neither is an unhandled rejection.
    const taken = Promise.race([tookPending, built.then(() => {})]);
    const done = built.then((flight) => flight?.done);
    taken.catch(() => {});
    done.catch(() => {});
    return { taken, done };
  }

  /** Resolves once every flush written so far has committed or failed (never rejects). */
  async settled(): Promise<void> {
    await Promise.all([...this.#live].map((flight) => flight.settled));
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

  /**
   * Takes what is pending and writes it in a transaction on a writer connection, then issues the
   * commit and returns (settling the flight when the commit ends). While the flight before is
   * still committing, this one is planned against the state that one leaves and written on the
   * other connection; it commits only after that one has, and if that one fails, this one rolls
   * back and both hand their points back, in order. It waits for that one first when it writes
   * out held buckets or merges into level rows (that one may have written them).
   */
  async #flushOnce(took: () => void): Promise<Flight> {
    try {
      return await this.#host.exclusive(() => this.#fly(took));
    } catch (error) {
      // The writer could not be had (the store is reopening after a failed write): nothing taken.
      this.#lastError = error;
      this.#host.failed(error);
      this.#arm();
      throw error;
    }
  }

  /** The newest flight not yet settled, or null. */
  #liveTail(): Flight | null {
    let tail: Flight | null = null;
    for (const flight of this.#live) tail = flight;
    return tail;
  }

  /** Runs a flight; `took` is called once it has taken what is pending. */
  async #fly(took: () => void): Promise<Flight> {
    let prev = this.#liveTail();
    const writers = this.#host.writers();
    const overlap = this.#overlap && writers.length > 1;
    if (prev !== null && (!overlap || this.#evictAll || prev.evicted.length > 0)) {
      await prev.settled;
      prev = null;
    }
    // Taken and numbered only once the writer is ours: a reopen after a failed write (also
    // exclusive, and after the flights settled) reconciles the pending points with the
    // database first, and must see them all.
    this.#sizeFlushQueued = false;
    const taken = this.#pending;
    this.#pending = this.#spare ?? new PendingPoints(this.#steadyPending);
    this.#spare = null;
    this.#hasSideRows = false;
    took();
    const flight = newFlight(taken, prev === null ? 0 : 1 - prev.scratch, prev === null ? 0 : 1 - prev.writer);
    if (prev !== null) prev.successor = flight;
    if (this.#live.size === 0) this.#inFlightSince = flight.startedAt;
    this.#live.add(flight);
    this.#inFlight += flight.batch.length;
    const c = writers[flight.writer] as DuckDBConnection;
    let began = false;
    try {
      const { batch } = flight;
      const scratch = this.#growScratch(flight.scratch, batch.length);
      flight.xs = scratch.xs.subarray(0, batch.length);
      const ns = scratch.ns.subarray(0, batch.length);
      flight.xa = scratch.xa.subarray(0, batch.length);
      const writes = new LevelWrites();
      flight.plans = this.#plan(batch, flight.xs, ns, flight.xa, writes, prev?.plans ?? null);
      flight.merged = writes.merged;
      if (prev !== null && (writes.merged > 0 || this.#evictionsDue(flight.plans))) {
        if (!(await prev.settled)) throw prev.error;
        prev = null;
      }
      flight.evicted = prev === null ? this.#evictions(flight.plans, writes) : [];
      if (flight.evicted.length > 0) this.#evictionEpoch++;
      flight.overlapped = prev !== null;
      await c.run('BEGIN TRANSACTION');
      began = true;
      flight.restoreSideRows = await this.#host.writeSideRows(c, prev !== null);
      if (batch.length > 0 || writes.size > 0) {
        await this.#write(
          c,
          batch,
          flight.xs,
          ns,
          flight.xa,
          flight.plans,
          writes,
          STATS_TABLES[flight.writer] as string,
        );
      }
      if (prev !== null && !(await prev.settled)) throw prev.error;
      const commit = c.run('COMMIT');
      commit
        .then(
          () => this.#committed(flight),
          (error: unknown) => this.#commitFailed(flight, c, error),
        )
        .catch(() => {}); // #committed settles the flight whatever its callbacks throw
    } catch (error) {
      if (began) await c.run('ROLLBACK').catch(() => {});
      // A failure of the flight before (DuckDB giving up on the database at its commit) makes this
      // one fail too, often first: wait for its outcome, so that the cause is what is reported.
      if (prev !== null) await prev.settled;
      this.#failed(flight, prev, error);
    }
    return flight;
  }

  /**
   * Applies a committed flight to the state in memory (before anything else runs: a reader that
   * sees its rows sees its counts), then tells the host.
   */
  #committed(flight: Flight): void {
    const now = Date.now();
    for (const plan of flight.plans.values()) {
      Object.assign(plan.state, plan.next);
      const id = plan.state.series.id;
      this.#active.delete(id);
      this.#active.set(id, now);
    }
    for (const state of flight.evicted) {
      state.open = null;
      state.written = null;
      this.#active.delete(state.series.id);
    }
    if (flight.evicted.length > 0) this.#evictionEpoch++;
    const { batch } = flight;
    this.committed += batch.length;
    this.mergedBuckets += flight.merged;
    if (batch.length > 0) this.flushes++;
    if (flight.overlapped) this.overlappedFlushes++;
    this.#timeFlush(flight);
    flight.outcome = 'committed';
    this.#live.delete(flight);
    try {
      if (this.#lastError !== null) {
        this.#lastError = null;
        this.#host.resumed();
      }
      const runs = new Set<string>();
      for (const plan of flight.plans.values()) runs.add(plan.state.series.runId);
      this.#oldestUncommittedAck(); // drops what this commit covered
      if (runs.size > 0) this.#host.touched(runs);
      if (this.#host.wantsDeltas()) {
        this.#groupRows(flight.plans, batch);
        this.#host.committed(this.#deltas(flight.plans, batch, flight.xs, flight.xa));
      }
    } finally {
      flight.taken.clear();
      this.#spare ??= flight.taken;
      flight.finish(true);
    }
  }

  /** A flight's COMMIT failed: it rolls back and hands its points back (or leaves that to its successor). */
  async #commitFailed(flight: Flight, c: DuckDBConnection, error: unknown): Promise<void> {
    await c.run('ROLLBACK').catch(() => {});
    const successor = flight.successor;
    flight.deferred = successor !== null && successor.outcome === 'live';
    this.#failed(flight, null, error);
  }

  /**
   * A flight failed. Its points go back ahead of anything ingested meanwhile, unless a successor
   * planned on it is still live: that one hands them back after its own, when it sees the failure.
   * A predecessor that failed this way has its points handed back here, ahead of this one's.
   */
  #failed(flight: Flight, prev: Flight | null, error: unknown): void {
    flight.outcome = 'failed';
    flight.error = error;
    this.#live.delete(flight);
    this.#inFlight -= flight.batch.length;
    if (prev !== null && prev.successor === flight) prev.successor = null;
    if (flight.evicted.length > 0) this.#evictionEpoch++;
    if (!flight.deferred) this.#handBack(flight);
    if (prev !== null && prev.outcome === 'failed' && prev.deferred) {
      prev.deferred = false;
      this.#handBack(prev);
    }
    // A flight that failed with (or after) the one before it reports nothing more.
    if (prev === null || prev.outcome !== 'failed') {
      this.#lastError = error;
      this.#host.failed(error);
    }
    this.#arm();
    flight.finish(false);
  }

  /** Puts a failed flight's points and side rows back, ahead of what is pending. */
  #handBack(flight: Flight): void {
    this.#pending.prepend(flight.taken);
    flight.restoreSideRows?.();
    this.#hasSideRows = true;
  }

  /** The per-flush working arrays of set `k`, each at least `n` long. */
  #growScratch(k: number, n: number): Scratch {
    const s = this.#scratch[k] as Scratch;
    if (s.xs.length >= n) return s;
    const size = grownCapacity(s.xs.length, n, this.#steadyPending);
    const grown = { xs: new Float64Array(size), ns: new BigInt64Array(size), xa: new Uint8Array(size) };
    this.#scratch[k] = grown;
    return grown;
  }

  /**
   * Folds a committed flight into the per-point rate: the time since the later of its start and
   * the commit before it (flights overlap), per point; flights too small to time skipped.
   */
  #timeFlush(flight: Flight): void {
    const now = performance.now();
    const since = Math.max(flight.startedAt, this.#lastCommitAt);
    this.#lastCommitAt = now;
    this.#inFlight -= flight.batch.length;
    this.#inFlightSince = now;
    const points = flight.batch.length;
    if (points < 10_000) return;
    const perPoint = (now - since) / points;
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
    chain: Map<number, SeriesPlan> | null,
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
          // Planned on the flight before when that one is still committing: its state after.
          const base = chain?.get(id)?.next ?? state;
          const baseExp = base.baseExp;
          plan = {
            state,
            base,
            baseExp: baseExp ?? 0,
            next: copyState(base),
            from: base.count,
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
    const { base, next, baseExp } = plan;
    const id = base.series.id;
    const open = base.open;
    const written = writtenMarks(base, baseExp);
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
  /** Whether `#evictions` would write out any series' held buckets now. */
  #evictionsDue(plans: Map<number, SeriesPlan>): boolean {
    if (this.#evictAll) return true;
    let held = this.#active.size;
    for (const id of plans.keys()) if (!this.#active.has(id)) held++;
    if (held > this.#maxHeld) return true;
    const now = Date.now();
    for (const [id, at] of this.#active) {
      if (now - at < this.#heldIdleMs) return false;
      if (!plans.has(id)) return true;
    }
    return false;
  }

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
    statsTable: string,
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
    await c.run(`INSERT OR REPLACE INTO ${statsTable} SELECT * FROM stats_stage`);
    await c.run('DELETE FROM stats_stage');
  }
}

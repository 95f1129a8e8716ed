import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import {
  QueryError,
  SchemaVersionError,
  StoreCorruptError,
  StoreLockedError,
  StoreUnwritableError,
  TrainscopeError,
  UnknownRunError,
  UnknownSeriesError,
} from '../errors.js';
import { LiveHub, type SeriesDelta, type SubscribeOptions, type Subscription } from '../live/live-hub.js';
import { M4_WIDTH } from '../m4.js';
import type {
  LogInput,
  LogLine,
  Project,
  Run,
  RunInput,
  RunPatch,
  Series,
  SeriesDef,
  SeriesSummary,
} from '../model.js';
import { validateSeriesName } from '../names.js';
import { type ChartData, type ChartQuery, type ChartSeriesInfo, chartRead } from '../query/chart.js';
import { type PointRows, type PointsQuery, readPoints } from '../query/points.js';
import { seriesIdList } from '../query/read-doubles.js';
import { watchFileSize } from './file-size.js';
import { Ingestor, type IngestorOptions } from './ingestor.js';
import { readColumns } from './read-columns.js';
import { repairLevels, repairPoints, repairStore, type StoreRepair } from './recovery.js';
import { labelKey, logFromRow, runFromRow, seriesFromRow } from './rows.js';
import { MIGRATIONS, SCHEMA_DDL, SCHEMA_VERSION, STAGE_DDL } from './schema.js';
import {
  emptySeriesState,
  NO_STATS,
  type SeriesState,
  type SeriesStats,
  summaryOf,
  summaryOfStats,
} from './series-state.js';
import {
  acquireOwnership,
  DB_FILE,
  OWNER_FILE,
  type OwnerInfo,
  releaseOwnership,
  resolveStoreDir,
  updateOwner,
} from './store-dir.js';
import { StoredStats } from './stored-stats.js';

/** How long points stay in the hot table before moving to Parquet files. */
export interface RetentionPolicy {
  /** Points older than this (by wall time, ms) move to the cold tier. */
  maxAgeMs?: number;
  /** Each series keeps at most this many newest points in the hot table. */
  maxPointsPerSeries?: number;
}

/** Options of `Store.open`. */
export interface StoreOptions extends IngestorOptions {
  /** Store directory; @default `TRAINSCOPE_DIR`, else `./.trainscope` */
  dir?: string;
  /** Retention policy applied by `applyRetention()`; @default none (everything stays hot) */
  retention?: RetentionPolicy;
  /**
   * Called when a flush fails (disk full, read-only directory). Points stay pending and are
   * retried; a database DuckDB gave up on after the failure is reopened.
   */
  onWriteError?: (error: unknown) => void;
  /** Called when writing succeeds again after `onWriteError`. */
  onWriteResumed?: () => void;
  /**
   * Threads DuckDB runs queries and commits on. One core is left to the JS thread, which feeds
   * the writer: with every core DuckDB's commit of one flush preempts the writing of the next
   * (and a training job beside the store keeps a core). @default available cores - 1, at least 1
   */
  threads?: number;
}

/** More threads than this is a mistake (DuckDB would take any number and start them). */
const MAX_THREADS = 1024;

/** DuckDB's settings for a store's database. */
function instanceOptions(options: StoreOptions): Record<string, string> {
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`The store's threads option must be a whole number from 1 to ${MAX_THREADS}, not ${threads}.`);
  }
  return { threads: String(threads) };
}

/** Filters of `listRuns`. */
export interface RunFilter {
  project?: string;
  status?: Run['status'];
  /** Substring of the run name. */
  name?: string;
  tag?: string;
  /** @default 1000 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** Options of `readLogs`. */
export interface LogQuery {
  /** The last `tail` lines. */
  tail?: number;
  /** Lines from this position on (`n` >= from). */
  from?: number;
  /** @default 1000 */
  limit?: number;
}

/** Series rows joined with their statistics, as `#stateFromRow` reads them. */
const STATS_COLUMNS = `st.count AS st_count, st.non_finite, st.finite, st.last_v, st.last_x, st.last_t,
  st.min_v, st.max_v, st.mean, st.m2`;
const SERIES_WITH_STATS = `SELECT s.*, ${STATS_COLUMNS}, st.base_exp FROM series s LEFT JOIN series_stats st ON st.series_id = s.id`;

/** The statistics columns of a `SERIES_WITH_STATS` or `STATS_COLUMNS` row (a series with none: empty). */
function statsFromRow(row: Record<string, DuckDBValue>): SeriesStats {
  const num = (v: DuckDBValue | undefined, fallback: number) => (v == null ? fallback : Number(v));
  return {
    count: num(row['st_count'], 0),
    nonFinite: num(row['non_finite'], 0),
    finite: num(row['finite'], 0),
    lastV: num(row['last_v'], Number.NaN),
    lastX: num(row['last_x'], Number.NaN),
    lastT: num(row['last_t'], Number.NaN),
    min: num(row['min_v'], Number.NaN),
    max: num(row['max_v'], Number.NaN),
    mean: num(row['mean'], 0),
    m2: num(row['m2'], 0),
  };
}

/**
 * The statistics columns as DOUBLE, in `STATS_FIELDS` order: a NULL that `statsFromRow` reads as 0
 * is made 0 here; everywhere else it reads as NaN, as NULL does read as NaN by `readColumns`.
 */
const STATS_DOUBLES = `coalesce(st.count, 0)::DOUBLE, coalesce(st.non_finite, 0)::DOUBLE, coalesce(st.finite, 0)::DOUBLE,
  st.last_v, st.last_x, st.last_t, st.min_v, st.max_v, coalesce(st.mean, 0), coalesce(st.m2, 0)`;

/** Runs kept by the name index in all (one map entry per run and name, ~100 bytes each). */
const NAME_INDEX_MAX_RUNS = 1_000_000;
/** Summaries of series not written by this store object kept at most. */
const STORED_SUMMARIES_MAX = 1_000_000;

/** A name's first series per run, and the read that fills it. */
interface NameIndexEntry {
  runs: Map<string, number>;
  ready: Promise<void>;
}

function keepLowest(runs: Map<string, number>, runId: string, id: number): void {
  const known = runs.get(runId);
  if (known === undefined || id < known) runs.set(runId, id);
}

function newRunId(): string {
  return randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
}

function lockPid(message: string): number | undefined {
  const match = /PID (\d+)/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * The embedded store: one DuckDB file in a store directory, owned by one process.
 * Runs, series, points and log lines go in; range reads, chart reads, summaries and live
 * subscriptions come out.
 */
export class Store {
  /** Absolute path of the store directory. */
  readonly dir: string;
  /** Absolute path of the database file. */
  readonly file: string;
  readonly ingestor: Ingestor;
  /**
   * Points of a flush that never committed which the log replay had brought back, removed when
   * the store was opened (or reopened after a failed write). 0 after a clean shutdown.
   */
  droppedUncommitted = 0;
  /** Second copies of points (a log replayed twice) removed at open or reopen. */
  droppedDuplicates = 0;
  /** Series whose M4 levels disagreed with their points after an unclean shutdown and were rebuilt. */
  rebuiltLevels: number[] = [];
  /**
   * Series whose newest bucket of each level was recomputed after an unclean shutdown (the writer
   * holds those in memory, so an owner that died leaves them out of the level tables).
   */
  refilledLevels: number[] = [];
  /**
   * Runs still `running` when the store was opened after an unclean shutdown: the owner that was
   * writing them died, so they are marked `failed` (ended at their last point) instead of showing
   * as running for ever.
   */
  endedOrphanedRuns: string[] = [];
  #instance: DuckDBInstance;
  #writer: DuckDBConnection;
  readonly #instanceOptions: Record<string, string>;
  /** The second writer connection: a flush is written on it while the one before commits. */
  #flushWriter: DuckDBConnection;
  #readers: DuckDBConnection[];
  /** When the database may next be reopened after DuckDB invalidated it (epoch ms). */
  #reopenAfter = 0;
  #reopening: Promise<void> | null = null;
  /** Set when DuckDB gave up on the database; cleared once a reopen succeeded. */
  #reopenNeeded = false;
  #reopenCause: unknown = null;
  #readerTurn = 0;
  readonly #states = new Map<number, SeriesState>();
  /**
   * Statistics of series this store has no state for, as chart reads loaded them. Only the store
   * writes, and only to series it holds state for (which `#states` answers first, and never
   * drops), so these cannot change under it. Saves a chart read the statistics query (a join with
   * the two statistics tables, 3-5 ms).
   */
  readonly #unwritten = new Map<number, SeriesState>();
  readonly #runSeries = new Map<string, Map<string, SeriesState>>();
  readonly #runs = new Map<string, Run>();
  /** Names a run table asked for: each run's first series of that name (see runSummaries). */
  readonly #nameIndex = new Map<string, NameIndexEntry>();
  /** Statistics read from the database of series this object does not write (see runSummaries). */
  readonly #storedStats = new StoredStats();
  readonly #logCount = new Map<string, number>();
  /** When each run last changed or had points committed, in this process (epoch ms). */
  readonly #activity = new Map<string, number>();
  #pendingSeries: Series[] = [];
  /** Series rows of the flushes not yet known committed: listed until the next flush takes over. */
  #writingSeries: Series[] = [];
  /** Series rows the last flush wrote (its own, without those of the flush before it). */
  #lastFlushSeries: Series[] = [];
  #pendingLogs: LogLine[] = [];
  #nextSeriesId: number;
  #owner: OwnerInfo;
  #writeChain: Promise<unknown> = Promise.resolve();
  readonly #live: LiveHub;
  readonly #retention: RetentionPolicy | undefined;
  readonly #onWriteError: ((error: unknown) => void) | undefined;
  readonly #onWriteResumed: (() => void) | undefined;
  #closed = false;
  /** Set once close() starts: no new reads begin. */
  #closing = false;
  readonly #reads = new Set<Promise<unknown>>();

  private constructor(
    dir: string,
    instance: DuckDBInstance,
    writer: DuckDBConnection,
    flushWriter: DuckDBConnection,
    readers: DuckDBConnection[],
    nextSeriesId: number,
    owner: OwnerInfo,
    options: StoreOptions,
  ) {
    this.dir = dir;
    this.file = join(dir, DB_FILE);
    this.#instance = instance;
    this.#writer = writer;
    this.#flushWriter = flushWriter;
    this.#readers = readers;
    this.#nextSeriesId = nextSeriesId;
    this.#owner = owner;
    this.#retention = options.retention;
    this.#onWriteError = options.onWriteError;
    this.#onWriteResumed = options.onWriteResumed;
    this.#instanceOptions = instanceOptions(options);
    this.#live = new LiveHub(
      (id, from, limit) => this.#readSince(id, from, limit),
      (runId) => this.#listRunSeriesCounts(runId),
    );
    this.ingestor = new Ingestor(
      {
        writers: () => [this.#writer, this.#flushWriter],
        state: (id) => this.#states.get(id),
        writeSideRows: (c, overlapping) => this.#writeSideRows(c, overlapping),
        touched: (runIds) => {
          const now = Date.now();
          for (const id of runIds) this.#activity.set(id, now);
        },
        wantsDeltas: () => this.#live.size > 0,
        committed: (deltas) => this.#live.publish(deltas),
        failed: (error) => {
          this.#onWriteError?.(error);
          // A reopen that failed (the directory still unwritable) leaves closed connections whose
          // errors no longer say "invalidated": keep trying until one succeeds.
          if (isInvalidated(error) && !this.#reopenNeeded) {
            this.#reopenNeeded = true;
            this.#reopenCause = error;
          }
          if (this.#reopenNeeded) void this.#reopen();
        },
        resumed: () => this.#onWriteResumed?.(),
        // Until a reopen has reconciled what is pending with what the database holds, no flush may
        // run, not even on a connection a half-done reopen left working: it would number points
        // from a count that misses the flush that failed after committing.
        exclusive: (fn) =>
          this.#exclusive(() => (this.#reopenNeeded ? Promise.reject(this.#reopenCause) : fn()), false),
      },
      options,
    );
  }

  /**
   * Opens (creating if needed) the store in a directory and takes ownership of it.
   * Throws `StoreLockedError` if another live process owns it, `StoreUnwritableError`,
   * `StoreCorruptError` or `SchemaVersionError` as the case may be.
   */
  static async open(options: StoreOptions = {}): Promise<Store> {
    const dir = resolveStoreDir(options.dir);
    const settings = instanceOptions(options);
    const file = join(dir, DB_FILE);
    // A clean close checkpoints (no log left) and removes the owner file.
    const unclean = existsSync(`${file}.wal`) || existsSync(join(dir, OWNER_FILE));
    const owner = acquireOwnership(dir);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, settings);
    } catch (cause) {
      releaseOwnership(dir);
      const message = String((cause as Error).message ?? cause);
      if (/lock/i.test(message)) throw new StoreLockedError(dir, lockPid(message), { cause });
      if (/not a valid DuckDB database|Corrupt|invalid|checksum/i.test(message) && existsSync(file)) {
        throw new StoreCorruptError(file, { cause });
      }
      if (/permission|read-only|Read-only|EACCES|No space/i.test(message))
        throw new StoreUnwritableError(dir, { cause });
      throw new StoreCorruptError(file, { cause });
    }
    try {
      const writer = await instance.connect();
      await migrate(writer, file);
      await writer.run(STAGE_DDL);
      const flushWriter = await instance.connect();
      await flushWriter.run(STAGE_DDL);
      const readers = await Promise.all([instance.connect(), instance.connect(), instance.connect()]);
      const maxId = await writer.runAndReadAll('SELECT coalesce(max(id), 0) FROM series');
      const nextSeriesId = Number(maxId.getRows()[0]?.[0] ?? 0) + 1;
      const store = new Store(dir, instance, writer, flushWriter, readers, nextSeriesId, owner, options);
      await store.#refreshColdView();
      if (unclean) {
        store.#noteRepair(await repairStore(writer, 'points_all'));
        store.endedOrphanedRuns = await endOrphanedRuns(writer);
      }
      if (nextSeriesId > WARM_AFTER_SERIES) store.#warming = store.#warm();
      return store;
    } catch (error) {
      instance.closeSync();
      releaseOwnership(dir);
      if (error instanceof TrainscopeError) throw error;
      const message = String((error as Error).message ?? error);
      if (/permission|read-only|Read-only|EACCES|No space/i.test(message)) {
        throw new StoreUnwritableError(dir, { cause: error });
      }
      throw new StoreCorruptError(file, { cause: error });
    }
  }

  /** Records the URL of this owner's HTTP API in the owner file, so other processes find it. */
  advertise(url: string): void {
    this.#owner = { ...this.#owner, url };
    updateOwner(this.dir, this.#owner);
  }

  // ---- runs ---------------------------------------------------------------------------------

  /** Creates a run (status `running` unless given). */
  async createRun(input: RunInput = {}): Promise<Run> {
    const now = Date.now();
    const run: Run = {
      id: input.id ?? newRunId(),
      project: input.project ?? 'default',
      name: input.name ?? '',
      status: input.status ?? 'running',
      createdAt: now,
      startedAt: input.startedAt ?? now,
      endedAt: null,
      exitCode: null,
      errorMessage: null,
      params: input.params ?? {},
      tags: input.tags ?? [],
      host: input.host ?? {},
    };
    if (!run.name) run.name = `${run.project}-${run.id}`;
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(run.id)) {
      throw new QueryError(
        `Run id "${run.id}" may use only letters, digits, ".", "_" and "-" (1-128 characters).`,
        run.id,
      );
    }
    await this.#exclusive(async () => {
      await this.#writer.run(
        `INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?::JSON, ?::JSON, ?::JSON)`,
        [
          run.id,
          run.project,
          run.name,
          run.status,
          run.createdAt,
          run.startedAt,
          JSON.stringify(run.params),
          JSON.stringify(run.tags),
          JSON.stringify(run.host),
        ],
      );
    }).catch((error: unknown) => {
      if (/Duplicate key|PRIMARY KEY|unique/i.test(String(error))) {
        throw new QueryError(`A run with id "${run.id}" already exists.`, run.id);
      }
      throw error;
    });
    this.#runs.set(run.id, run);
    // A run just created holds no series and no log lines: open it without looking (openRun's
    // queries scan the series of every run, which a store of 10M series makes slow).
    this.#runSeries.set(run.id, new Map());
    this.#logCount.set(run.id, 0);
    this.#activity.set(run.id, Date.now());
    this.#live.publishRun(run);
    return run;
  }

  /**
   * When a run last changed or had points committed through this store object (epoch ms), or
   * undefined when it has not since the store was opened. The owner uses it to tell runs still
   * being written by other processes from runs left `running` by a crash.
   */
  lastActivity(runId: string): number | undefined {
    return this.#activity.get(runId);
  }

  /** Changes a run's status, times, exit code, error, params, tags or host facts. */
  async updateRun(id: string, patch: RunPatch): Promise<Run> {
    const run = { ...(await this.getRun(id)) };
    if (patch.name !== undefined) run.name = patch.name;
    if (patch.status !== undefined) run.status = patch.status;
    if (patch.startedAt !== undefined) run.startedAt = patch.startedAt;
    if (patch.endedAt !== undefined) run.endedAt = patch.endedAt;
    if (patch.exitCode !== undefined) run.exitCode = patch.exitCode;
    if (patch.errorMessage !== undefined) run.errorMessage = patch.errorMessage;
    if (patch.params !== undefined) run.params = { ...run.params, ...patch.params };
    if (patch.tags !== undefined) run.tags = patch.tags;
    if (patch.host !== undefined) run.host = { ...run.host, ...patch.host };
    if (
      patch.status !== undefined &&
      patch.status !== 'running' &&
      patch.endedAt === undefined &&
      run.endedAt === null
    ) {
      run.endedAt = Date.now();
    }
    await this.#exclusive(() =>
      this.#writer.run(
        `UPDATE runs SET name = ?, status = ?, started_at = ?, ended_at = ?, exit_code = ?, error_message = ?,
           params = ?::JSON, tags = ?::JSON, host = ?::JSON WHERE id = ?`,
        [
          run.name,
          run.status,
          run.startedAt,
          run.endedAt,
          run.exitCode,
          run.errorMessage,
          JSON.stringify(run.params),
          JSON.stringify(run.tags),
          JSON.stringify(run.host),
          id,
        ],
      ),
    );
    this.#runs.set(id, run);
    this.#activity.set(id, Date.now());
    this.#live.publishRun(run);
    return run;
  }

  /**
   * A run by id; throws `UnknownRunError`. The store never changes a Run object it has handed out:
   * `updateRun` makes a new one (so callers may key caches by object).
   */
  async getRun(id: string): Promise<Run> {
    const cached = this.#runs.get(id);
    if (cached) return cached;
    const rows = await this.#query('SELECT * FROM runs WHERE id = ?', [id]);
    const row = rows[0];
    if (!row) throw new UnknownRunError(id);
    const run = runFromRow(row);
    this.#runs.set(id, run);
    return run;
  }

  /** Runs, newest first. */
  async listRuns(filter: RunFilter = {}): Promise<Run[]> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    if (filter.project !== undefined) {
      where.push('project = ?');
      params.push(filter.project);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.name !== undefined) {
      where.push('contains(name, ?)');
      params.push(filter.name);
    }
    if (filter.tag !== undefined) {
      where.push('list_contains(CAST(tags AS VARCHAR[]), ?)');
      params.push(filter.tag);
    }
    const limit = Math.max(1, Math.min(filter.limit ?? 1000, 100_000));
    const offset = Math.max(0, filter.offset ?? 0);
    const from = `FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id LIMIT ${limit} OFFSET ${offset}`;
    // Ids first: every change to a run goes through this store object (one writer), which keeps
    // the runs it has seen, so a page of runs it holds is read as ids alone. Converting rows and
    // parsing their JSON took 70 of the 86 ms a list of 10,000 runs cost.
    const ids = await this.#withReader(async (c) => {
      const reader = await c.runAndReadAll(`SELECT id ${from}`, params);
      return (reader.getColumns()[0] ?? []).map(String);
    });
    const held = ids.map((id) => this.#runs.get(id));
    if (held.every((run) => run !== undefined)) return held as Run[];
    const rows = await this.#query(`SELECT * ${from}`, params);
    return rows.map((row) => {
      const id = String(row['id']);
      const known = this.#runs.get(id);
      if (known) return known;
      const run = runFromRow(row);
      this.#runs.set(id, run);
      return run;
    });
  }

  /** Projects with their run counts. */
  async listProjects(): Promise<Project[]> {
    const rows = await this.#query(
      `SELECT project, count(*) AS n, max(coalesce(ended_at, started_at, created_at)) AS last
       FROM runs GROUP BY project ORDER BY project`,
    );
    return rows.map((r) => ({
      name: String(r['project']),
      runCount: Number(r['n']),
      lastActivity: r['last'] == null ? null : Number(r['last']),
    }));
  }

  // ---- series -------------------------------------------------------------------------------

  /**
   * Loads a run's series into the writer's memory so that `defineSeries` can answer
   * synchronously. Call once per run before writing to it (`createPluginContext` does).
   */
  async openRun(runId: string): Promise<Run> {
    const run = await this.getRun(runId);
    if (this.#runSeries.has(runId)) return run;
    const rows = await this.#query(`${SERIES_WITH_STATS} WHERE s.run_id = ?`, [runId]);
    const byKey = new Map<string, SeriesState>();
    for (const row of rows) {
      const state = this.#stateFromRow(row);
      byKey.set(`${state.series.name}\u0000${String(row['label_key'])}`, state);
    }
    const logs = await this.#query('SELECT coalesce(max(n) + 1, 0) AS n FROM logs WHERE run_id = ?', [runId]);
    this.#logCount.set(runId, Number(logs[0]?.['n'] ?? 0));
    if (!this.#runSeries.has(runId)) this.#runSeries.set(runId, byKey);
    return run;
  }

  /**
   * Returns the series of a run with this name and labels, defining it on first use
   * (written with the next flush). Synchronous; the run must have been opened with `openRun`.
   */
  defineSeries(runId: string, def: SeriesDef): Series {
    const byKey = this.#runSeries.get(runId);
    if (!byKey) throw new UnknownRunError(runId);
    const key = `${def.name}\u0000${labelKey(def.labels)}`;
    const existing = byKey.get(key);
    if (existing) return existing.series;
    validateSeriesName(def.name);
    const slash = def.name.indexOf('/');
    const series: Series = {
      id: this.#nextSeriesId++,
      runId,
      name: def.name,
      kind: def.kind ?? 'training',
      type: def.type ?? 'gauge',
      group: def.group ?? (slash > 0 ? def.name.slice(0, slash) : null),
      xScale: def.xScale ?? null,
      scale: def.scale ?? null,
      unit: def.unit ?? null,
      labels: def.labels ?? {},
    };
    const state = emptySeriesState(series);
    byKey.set(key, state);
    this.#states.set(series.id, state);
    const named = this.#nameIndex.get(def.name);
    if (named) keepLowest(named.runs, runId, series.id);
    this.#pendingSeries.push(series);
    this.ingestor.markSideRows();
    return series;
  }

  /** Series of a run (including ones defined but not yet flushed). */
  async listSeries(runId: string): Promise<Series[]> {
    await this.getRun(runId);
    // Taken before the query: a series leaves these lists only once its flush has committed, so
    // it is either here or seen by a query that starts later. Taken after, two flushes committing
    // during the query would hide a series from both (a remote writer read "no series 1").
    const unwritten = [...this.#writingSeries, ...this.#pendingSeries];
    const rows = await this.#query('SELECT * FROM series WHERE run_id = ? ORDER BY id', [runId]);
    const out = rows.map(seriesFromRow);
    const seen = new Set(out.map((s) => s.id));
    for (const s of unwritten) {
      if (s.runId === runId && !seen.has(s.id)) {
        seen.add(s.id);
        out.push(s);
      }
    }
    return out;
  }

  /** A series by id; throws `UnknownSeriesError`. */
  async getSeries(id: number): Promise<Series> {
    const state = this.#states.get(id);
    if (state) return state.series;
    const rows = await this.#query('SELECT * FROM series WHERE id = ?', [id]);
    const row = rows[0];
    if (!row) throw new UnknownSeriesError(id);
    return seriesFromRow(row);
  }

  /**
   * Makes series known to the ingestor by id (for points arriving from remote clients that
   * defined them earlier). Throws `UnknownSeriesError` for ids the store does not hold.
   */
  async loadSeries(ids: Iterable<number>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#states.has(id));
    if (missing.length === 0) return;
    const rows = await this.#query(`SELECT DISTINCT run_id FROM series WHERE id IN (${seriesIdList(missing)})`);
    for (const row of rows) await this.openRun(String(row['run_id']));
    for (const id of missing) {
      if (!this.#states.has(id)) {
        // A run already open but this series loaded before it existed: load it directly.
        const direct = await this.#query(`${SERIES_WITH_STATS} WHERE s.id = ?`, [id]);
        const row = direct[0];
        if (!row) throw new UnknownSeriesError(id);
        const state = this.#stateFromRow(row);
        this.#runSeries.get(state.series.runId)?.set(`${state.series.name}\u0000${String(row['label_key'])}`, state);
      }
    }
  }

  /** Summaries (last, min, max, mean, std, count) of series. Unknown ids are left out. */
  async summaries(ids: number[]): Promise<SeriesSummary[]> {
    const out: SeriesSummary[] = [];
    const fromDb: number[] = [];
    for (const id of ids) {
      const state = this.#states.get(id);
      if (state) out.push(summaryOf(state));
      else fromDb.push(id);
    }
    if (fromDb.length > 0) {
      // Only the statistics, and the id list on both tables: a run's series have neighbouring ids,
      // so both scans skip what the list's range leaves out.
      const list = seriesIdList(fromDb);
      const rows = await this.#query(
        `SELECT s.id, ${STATS_COLUMNS} FROM series s
         LEFT JOIN (SELECT * FROM series_stats WHERE series_id IN (${list})) st ON st.series_id = s.id
         WHERE s.id IN (${list})`,
      );
      for (const row of rows) {
        const id = Number(row['id']);
        const state = this.#states.get(id);
        out.push(state ? summaryOf(state) : summaryOfStats(id, statsFromRow(row)));
      }
    }
    const order = new Map(ids.map((id, i) => [id, i]));
    return out.sort((a, b) => (order.get(a.seriesId) ?? 0) - (order.get(b.seriesId) ?? 0));
  }

  /**
   * Summaries of the series with the given names in each of the given runs (a run list's summary
   * columns): per run, name to the summary of the first series (lowest id) of that name. Runs
   * without such a series are absent; unknown runs are left out.
   *
   * Answered from two things this store object keeps, which no one else can make stale (every
   * write goes through it): per name asked for, each run's first series of that name (read once
   * with their statistics, all the names a call has not asked for before in one scan, then kept
   * up by `defineSeries`), and the summaries of series it does not write (theirs cannot change
   * while it is open; the ones it writes come from its own state). The first call for a name reads
   * every series of that name; later calls read nothing.
   */
  async runSummaries(
    runIds: readonly string[],
    names: readonly string[],
  ): Promise<Map<string, Map<string, SeriesSummary>>> {
    const out = new Map<string, Map<string, SeriesSummary>>();
    if (runIds.length === 0 || names.length === 0) return out;
    const wanted = [...new Set(names)];
    const index = await this.#firstSeriesOf(wanted);
    // Summaries the cap let go of are read again.
    const unread: number[] = [];
    for (const runId of new Set(runIds)) {
      for (const name of wanted) {
        const id = index.get(name)?.get(runId);
        if (id !== undefined && !this.#states.has(id) && !this.#storedStats.has(id)) unread.push(id);
      }
    }
    if (unread.length > 0) await this.#readStoredSummaries(unread);
    for (const runId of new Set(runIds)) {
      for (const name of wanted) {
        const id = index.get(name)?.get(runId);
        if (id === undefined) continue;
        let byName = out.get(runId);
        if (!byName) {
          byName = new Map();
          out.set(runId, byName);
        }
        const state = this.#states.get(id);
        byName.set(name, state ? summaryOf(state) : (this.#storedStats.summary(id) ?? summaryOfStats(id, NO_STATS)));
      }
    }
    return out;
  }

  /** Per name: run id to the lowest id of a series of that name in the run (read on first use). */
  async #firstSeriesOf(names: string[]): Promise<Map<string, Map<string, number>>> {
    const index = new Map<string, Map<string, number>>();
    const loads = new Set<Promise<void>>();
    const missing = names.filter((name) => !this.#nameIndex.has(name));
    const loaded = missing.length > 0 ? this.#loadNameIndex(missing) : null;
    for (const name of names) {
      const entry = this.#nameIndex.get(name) ?? (loaded?.get(name) as NameIndexEntry);
      // Most recently used last: the trim below drops from the front.
      this.#nameIndex.delete(name);
      this.#nameIndex.set(name, entry);
      loads.add(entry.ready);
      index.set(name, entry.runs);
    }
    await Promise.all(loads);
    this.#trimNameIndex(new Set(names));
    return index;
  }

  /**
   * Index entries of names not yet asked for, filled by one scan of the series table for all of
   * them, with the statistics of each run's first series of each (one scan per name made a first
   * run table with six summary columns on a 10M-series store take 2.2 s; most of one scan's time
   * is the first read of the statistics table, which reading only the runs asked about does not
   * avoid). Read as columns, kept as columns (`StoredStats`): 60,000 rows of it turned into row
   * objects, then summaries, took longer than the join itself.
   */
  #loadNameIndex(names: string[]): Map<string, NameIndexEntry> {
    // Registered before the read: defineSeries adds series of these names from now on. Series not
    // yet written are taken before the query, as in listSeries: a flush committing during it cannot
    // hide one.
    const wanted = new Set(names);
    const unwritten = [...this.#writingSeries, ...this.#pendingSeries].filter((s) => wanted.has(s.name));
    const entries = new Map<string, NameIndexEntry>();
    const ready = this.#withReader(async (c) => {
      // The name as its position in `names` (a name is text past 12 bytes, a native call each).
      const params = names.map((_, i) => `$${i + 1}`);
      const { length, numbers, texts } = await readColumns(
        c,
        `SELECT s.id::DOUBLE, CASE s.name ${params.map((p, i) => `WHEN ${p} THEN ${i}`).join(' ')} END::DOUBLE,
           s.run_id, ${STATS_DOUBLES}
         FROM series s LEFT JOIN series_stats st ON st.series_id = s.id WHERE s.name IN (${params.join(', ')})`,
        names,
      );
      const [ids, nameAt, ...stats] = numbers as [Float64Array, Float64Array, ...Float64Array[]];
      const runIds = texts[0] as string[];
      const byPosition = names.map((name) => entries.get(name)?.runs as Map<string, number>);
      for (let i = 0; i < length; i++) {
        keepLowest(byPosition[nameAt[i] as number] as Map<string, number>, runIds[i] as string, ids[i] as number);
      }
      // Only the series the index answers with: a later series of a name (other labels) is never asked.
      const picked: number[] = [];
      for (let i = 0; i < length; i++) {
        const id = ids[i] as number;
        if (byPosition[nameAt[i] as number]?.get(runIds[i] as string) === id && !this.#states.has(id)) picked.push(i);
      }
      this.#storedStats.setRows(ids, stats, picked);
      for (const series of unwritten) {
        const runs = entries.get(series.name)?.runs;
        if (runs) keepLowest(runs, series.runId, series.id);
      }
      this.#storedStats.trim(STORED_SUMMARIES_MAX);
    });
    for (const name of names) {
      const entry: NameIndexEntry = { runs: new Map(), ready };
      entries.set(name, entry);
      this.#nameIndex.set(name, entry);
    }
    ready.catch(() => {
      for (const [name, entry] of entries) if (this.#nameIndex.get(name) === entry) this.#nameIndex.delete(name);
    });
    return entries;
  }

  /**
   * Summaries from the statistics table of series this object does not write (a series with no
   * row there has no points yet), kept in #storedStats. Only that table: the ids come from the
   * name index, so they are known series.
   */
  async #readStoredSummaries(ids: number[]): Promise<void> {
    const rows = await this.#query(
      `SELECT st.series_id, ${STATS_COLUMNS} FROM series_stats st WHERE st.series_id IN (${seriesIdList(ids)})`,
    );
    const found = new Map(rows.map((row) => [Number(row['series_id']), statsFromRow(row)]));
    for (const id of ids) this.#storedStats.set(id, found.get(id) ?? NO_STATS);
    this.#storedStats.trim(STORED_SUMMARIES_MAX);
  }

  /** Drops the least recently asked names past NAME_INDEX_MAX_RUNS entries in all, never `keep`. */
  #trimNameIndex(keep: Set<string>): void {
    let total = 0;
    for (const entry of this.#nameIndex.values()) total += entry.runs.size;
    for (const [name, entry] of this.#nameIndex) {
      if (total <= NAME_INDEX_MAX_RUNS) break;
      if (keep.has(name)) continue;
      this.#nameIndex.delete(name);
      total -= entry.runs.size;
    }
  }

  // ---- logs ---------------------------------------------------------------------------------

  /** Appends log lines to a run (written with the next flush). The run must be open. */
  appendLogs(runId: string, lines: LogInput[]): void {
    if (!this.#logCount.has(runId)) throw new UnknownRunError(runId);
    let n = this.#logCount.get(runId) as number;
    const now = Date.now();
    for (const line of lines) {
      this.#pendingLogs.push({
        runId,
        n: n++,
        time: line.time ?? now,
        stream: line.stream ?? 'system',
        level: line.level ?? 'info',
        text: String(line.text),
        metadata: line.metadata ?? null,
      });
    }
    this.#logCount.set(runId, n);
    this.#activity.set(runId, now);
    this.ingestor.markSideRows();
  }

  /** Log lines of a run: the last `tail`, or from a position. */
  async readLogs(runId: string, query: LogQuery = {}): Promise<LogLine[]> {
    await this.getRun(runId);
    const limit = Math.max(1, Math.min(query.limit ?? 1000, 100_000));
    if (query.tail !== undefined) {
      const tail = Math.max(0, Math.min(query.tail, 100_000));
      const rows = await this.#query(
        `SELECT * FROM (SELECT * FROM logs WHERE run_id = ? ORDER BY n DESC LIMIT ${tail}) ORDER BY n`,
        [runId],
      );
      return rows.map(logFromRow);
    }
    const rows = await this.#query(`SELECT * FROM logs WHERE run_id = ? AND n >= ? ORDER BY n LIMIT ${limit}`, [
      runId,
      Math.max(0, query.from ?? 0),
    ]);
    return rows.map(logFromRow);
  }

  // ---- reads --------------------------------------------------------------------------------

  /** Full-resolution points of one or more series in a range, paged. */
  async readPoints(query: PointsQuery): Promise<PointRows> {
    for (const id of query.series) await this.getSeries(id);
    return this.#withReader((c) => readPoints(c, query));
  }

  /** M4 chart read of one series for a pixel width and range. */
  async chart(query: ChartQuery): Promise<ChartData> {
    // A commit landing during the read leaves it unclear which points it saw (and so where a live
    // cursor goes on from): read again, a few times at most, then answer with the count from
    // before (a point may then arrive twice live; none is missed).
    for (let attempt = 0; ; attempt++) {
      const info = await this.#chartInfo(query.seriesId);
      const data = await this.#withReader((c) => chartRead(c, query, info));
      const state = this.#states.get(query.seriesId);
      if (state === undefined || state.count === info.count || attempt === 2) return data;
    }
  }

  // ---- live ---------------------------------------------------------------------------------

  /** Subscribes to append-only deltas of series (from cursors) and/or whole runs. */
  subscribe(options: SubscribeOptions): Subscription {
    return this.#live.subscribe(options);
  }

  // ---- retention ----------------------------------------------------------------------------

  /**
   * Moves points beyond the retention policy out of the hot table into a Parquet file under
   * `<dir>/cold/`. Reads keep seeing them; chart levels are unaffected. Returns rows moved.
   */
  async applyRetention(policy: RetentionPolicy | undefined = this.#retention): Promise<number> {
    if (!policy || (policy.maxAgeMs === undefined && policy.maxPointsPerSeries === undefined)) return 0;
    await this.ingestor.flush();
    const conditions: string[] = [];
    if (policy.maxAgeMs !== undefined) conditions.push(`t < ${Date.now() - policy.maxAgeMs}`);
    if (policy.maxPointsPerSeries !== undefined) {
      conditions.push(
        `n < (SELECT st.count FROM series_stats st WHERE st.series_id = points.series_id) - ${Math.max(0, Math.floor(policy.maxPointsPerSeries))}`,
      );
    }
    const where = conditions.join(' OR ');
    return this.#exclusive(async () => {
      const c = this.#writer;
      const countRows = (await c.runAndReadAll(`SELECT count(*), min(t), max(t) FROM points WHERE ${where}`)).getRows();
      const count = Number(countRows[0]?.[0] ?? 0);
      if (count === 0) return 0;
      const coldDir = join(this.dir, 'cold');
      mkdirSync(coldDir, { recursive: true });
      const name = `points-${Date.now()}-${randomBytes(3).toString('hex')}.parquet`;
      const path = join(coldDir, name);
      await c.run(
        `COPY (SELECT * FROM points WHERE ${where} ORDER BY series_id, x, n) TO '${path.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      try {
        await c.run('BEGIN TRANSACTION');
        await c.run(`DELETE FROM points WHERE ${where}`);
        await c.run('INSERT INTO cold_files VALUES (?, ?, ?, ?, ?)', [
          relative(this.dir, path),
          Date.now(),
          count,
          Number(countRows[0]?.[1] ?? 0),
          Number(countRows[0]?.[2] ?? 0),
        ]);
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => {});
        rmSync(path, { force: true });
        throw error;
      }
      await this.#refreshColdView(c);
      return count;
    });
  }

  // ---- export -------------------------------------------------------------------------------

  /**
   * Writes every point of a run, full resolution, to a CSV or Parquet file with columns
   * `run_id, series, x, wall_time, value` (x empty/NULL where the source gave none, wall_time
   * ISO 8601 UTC in CSV and a UTC timestamp in Parquet). Series that share a name inside the run
   * are told apart by their labels: `name{key=value,...}`. The file appears whole or not at all
   * (written beside it, then renamed). Returns the number of points written. `onBytes` hears
   * the size written so far, about every 200 ms while DuckDB writes (its COPY reports nothing
   * itself), and the final size once the file is in place.
   */
  async exportRun(
    runId: string,
    path: string,
    format: 'csv' | 'parquet',
    options: { onBytes?: (bytes: number) => void } = {},
  ): Promise<number> {
    await this.getRun(runId);
    await this.ingestor.flush();
    const tmp = `${path}.partial-${process.pid}`;
    const watch = options.onBytes ? watchFileSize(tmp, options.onBytes) : null;
    const series = `CASE WHEN count(*) OVER (PARTITION BY s.name) > 1 AND s.labels::VARCHAR <> '{}'
      THEN s.name || '{' || array_to_string(list_transform(json_keys(s.labels), k -> k || '=' || (s.labels ->> k)), ',') || '}'
      ELSE s.name END`;
    const wallTime =
      format === 'csv'
        ? "strftime(make_timestamp((p.t * 1000)::BIGINT), '%Y-%m-%dT%H:%M:%S.%gZ')"
        : 'make_timestamp((p.t * 1000)::BIGINT)';
    const select = `
      WITH s AS (SELECT id, run_id, name, labels FROM series WHERE run_id = ?),
      named AS (SELECT id, run_id, ${series} AS series_name FROM s)
      SELECT named.run_id AS run_id, named.series_name AS series,
             CASE WHEN p.xa THEN NULL ELSE p.x END AS x, ${wallTime} AS wall_time, p.v AS value
      FROM points_all p JOIN named ON p.series_id = named.id
      ORDER BY named.id, p.n`;
    const copyOptions = format === 'csv' ? "FORMAT csv, HEADER true, NULLSTR ''" : 'FORMAT parquet, COMPRESSION zstd';
    const literal = (p: string) => `'${p.replaceAll("'", "''")}'`;
    try {
      const count = await this.#withReader(async (c) => {
        const rows = await c.runAndReadAll(
          `SELECT count(*) FROM points_all WHERE series_id IN (SELECT id FROM series WHERE run_id = ?)`,
          [runId],
        );
        // COPY takes no parameters: the run id (known to exist, ids are [A-Za-z0-9_.-]) is inlined, quoted.
        await c.run(
          `COPY (${select.replace('run_id = ?', `run_id = ${literal(runId)}`)}) TO ${literal(tmp)} (${copyOptions})`,
        );
        return Number(rows.getRows()[0]?.[0] ?? 0);
      });
      renameSync(tmp, path);
      options.onBytes?.(statSync(path).size);
      return count;
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    } finally {
      watch?.stop();
    }
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Writes everything pending (points, series, log lines). */
  flush(): Promise<void> {
    return this.ingestor.flush();
  }

  /** Flushes, closes subscriptions and the database, and gives up ownership. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let written = false;
    try {
      await this.ingestor.close();
      written = true;
    } finally {
      this.#live.closeAll();
      this.#closing = true;
      await Promise.allSettled([...this.#reads]);
      await this.#writeChain.catch(() => {});
      for (const close of [
        () => this.#writer.closeSync(),
        () => this.#flushWriter.closeSync(),
        ...this.#readers.map((r) => () => r.closeSync()),
        () => this.#instance.closeSync(),
      ]) {
        try {
          close();
        } catch {
          // closed already (a reopen after a failed write did not succeed)
        }
      }
      // A close whose last flush failed leaves the owner file, so the next open checks the store
      // as after a crash (the points and held M4 buckets that never reached it).
      if (written) releaseOwnership(this.dir);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Resolves once the background read that warms a large store's tables after open is done. */
  #warming: Promise<void> = Promise.resolve();

  /** Resolves once the tables a run list's first read needs are in DuckDB's cache (see `#warm`). */
  warmed(): Promise<void> {
    return this.#warming;
  }

  /**
   * On a large store, the first read of the statistics and series tables costs seconds (DuckDB
   * reads and decompresses every block of them from the file: a run table's summary columns touch
   * series spread over all of it) where later reads take tens of ms. One scan of their columns in
   * the background after open puts them in DuckDB's cache before the first page asks.
   */
  async #warm(): Promise<void> {
    try {
      await this.#withReader(async (c) => {
        // series_id too: the join of a summary column's first read probes the table by it.
        await c.run(`SELECT count(*), sum(series_id), sum(count), sum(non_finite), sum(finite), sum(last_v),
          sum(last_x), sum(last_t), min(min_v), max(max_v), sum(mean), sum(m2), max(base_exp) FROM series_stats`);
        await c.run('SELECT max(length(name)), max(length(run_id)), max(id) FROM series');
      });
    } catch {
      // closed meanwhile, or the read failed: only the cache stays cold
    }
  }

  /**
   * DuckDB gives up on a database after a failed write (disk full at a checkpoint): every later
   * call fails until it is opened again. Reopens it (at most once a second, while the disk stays
   * full), then reconciles what is pending with what the database holds: a write reported as
   * failed may have committed before the failure, so series, log lines and points it holds are
   * not written twice.
   */
  #reopen(): Promise<void> {
    if (this.#closed || this.#reopening || Date.now() < this.#reopenAfter) return this.#reopening ?? Promise.resolve();
    this.#reopenAfter = Date.now() + 1000;
    const attempt = this.#exclusive(async () => {
      await Promise.allSettled([...this.#reads]);
      for (const c of [this.#writer, this.#flushWriter, ...this.#readers]) {
        try {
          c.closeSync();
        } catch {
          // already unusable
        }
      }
      try {
        this.#instance.closeSync();
      } catch {
        // already unusable
      }
      this.#instance = await DuckDBInstance.create(this.file, this.#instanceOptions);
      this.#writer = await this.#instance.connect();
      await this.#writer.run(STAGE_DDL);
      this.#flushWriter = await this.#instance.connect();
      await this.#flushWriter.run(STAGE_DDL);
      this.#readers = await Promise.all([this.#instance.connect(), this.#instance.connect(), this.#instance.connect()]);
      await this.#refreshColdView();
      this.#noteRepair({ ...(await repairPoints(this.#writer, 'points_all')), rebuiltLevels: [], refilledLevels: [] });
      await this.#reconcilePending();
      // After the reconcile: a series it reloaded lost the newest buckets held for it, which the
      // level check (counting what is still held) then finds and recomputes.
      const levels = await repairLevels(this.#writer, 'points_all', (id, level) => {
        const open = this.#states.get(id)?.open;
        return open ? (open[level * M4_WIDTH + 1] as number) : 0;
      });
      for (const id of [...levels.rebuiltLevels, ...levels.refilledLevels]) {
        const state = this.#states.get(id);
        if (state) {
          state.open = null;
          state.written = null;
        }
      }
      this.#noteRepair({ uncommitted: 0, duplicates: 0, ...levels });
      this.#reopenNeeded = false;
      this.#reopenCause = null;
    });
    this.#reopening = attempt
      .catch(() => {
        // Still failing (the disk is still full): the ingestor's retry comes back here.
      })
      .finally(() => {
        this.#reopening = null;
      });
    return this.#reopening;
  }

  #noteRepair(repair: StoreRepair): void {
    this.droppedUncommitted += repair.uncommitted;
    this.droppedDuplicates += repair.duplicates;
    this.rebuiltLevels.push(...repair.rebuiltLevels);
    this.refilledLevels.push(...repair.refilledLevels);
  }

  /** Drops from what is pending whatever the reopened database already holds. */
  async #reconcilePending(): Promise<void> {
    const c = this.#writer;
    const seriesIds = this.#pendingSeries.map((s) => s.id);
    if (seriesIds.length > 0) {
      const held = new Set(
        (await c.runAndReadAll(`SELECT id FROM series WHERE id IN (${seriesIds.join(',')})`))
          .getRows()
          .map((r) => Number(r[0])),
      );
      this.#pendingSeries = this.#pendingSeries.filter((s) => !held.has(s.id));
    }
    const runs = [...new Set(this.#pendingLogs.map((l) => l.runId))];
    for (const runId of runs) {
      const rows = (await c.runAndReadAll('SELECT max(n) FROM logs WHERE run_id = ?', [runId])).getRows();
      const max = rows[0]?.[0] == null ? -1 : Number(rows[0][0]);
      this.#pendingLogs = this.#pendingLogs.filter((l) => l.runId !== runId || l.n > max);
    }
    const ids = [...this.#states.keys()];
    if (ids.length === 0) return;
    const skip = new Map<number, number>();
    const rows = await c.runAndReadAll(`${SERIES_WITH_STATS} WHERE s.id IN (${ids.join(',')})`);
    for (const row of rows.getRowObjects()) {
      const id = Number(row['id']);
      const state = this.#states.get(id);
      const held = row['st_count'] == null ? 0 : Number(row['st_count']);
      if (!state || held <= state.count) continue;
      skip.set(id, held - state.count);
      this.#states.delete(id);
      Object.assign(state, this.#stateFromRow(row, false), { series: state.series });
      this.#states.set(id, state);
    }
    if (skip.size > 0) this.ingestor.dropCommitted(skip);
  }

  /**
   * Runs `fn` when no other writer-connection use is running. Unless `afterFlushes` is false
   * (the ingestor's own flushes), also once the flushes written so far have committed: a flush
   * may still be committing when the next writer-connection use begins.
   */
  #exclusive<T>(fn: () => Promise<T>, afterFlushes = true): Promise<T> {
    const run = afterFlushes ? () => this.ingestor.settled().then(fn) : fn;
    const next = this.#writeChain.then(run, run);
    this.#writeChain = next.catch(() => {});
    return next;
  }

  async #withReader<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.#closing) throw new QueryError('The store is closed.', this.dir);
    const c = this.#readers[this.#readerTurn++ % this.#readers.length] as DuckDBConnection;
    const read = fn(c);
    // close() waits for reads in flight: closing a connection under a running query crashes DuckDB.
    this.#reads.add(read);
    try {
      return await read;
    } finally {
      this.#reads.delete(read);
    }
  }

  async #query(sql: string, params?: DuckDBValue[]): Promise<Record<string, DuckDBValue>[]> {
    return this.#withReader(async (c) => {
      const reader = params ? await c.runAndReadAll(sql, params) : await c.runAndReadAll(sql);
      return reader.getRowObjects();
    });
  }

  #stateFromRow(row: Record<string, DuckDBValue>, register = true): SeriesState {
    const series = seriesFromRow(row);
    const existing = this.#states.get(series.id);
    if (existing) return existing;
    const state: SeriesState = {
      ...emptySeriesState(series, row['base_exp'] == null ? null : Number(row['base_exp'])),
      ...statsFromRow(row),
    };
    if (register) this.#states.set(series.id, state);
    return state;
  }

  async #chartInfo(seriesId: number): Promise<ChartSeriesInfo> {
    const known = this.#states.get(seriesId);
    let state = known ?? this.#unwritten.get(seriesId);
    if (!state) {
      const rows = await this.#query(`${SERIES_WITH_STATS} WHERE s.id = ?`, [seriesId]);
      const row = rows[0];
      if (!row) throw new UnknownSeriesError(seriesId);
      state = this.#stateFromRow(row, false);
      if (this.#unwritten.size >= 10_000) this.#unwritten.clear();
      this.#unwritten.set(seriesId, state);
    }
    return {
      count: state.count,
      baseExp: state.baseExp,
      last: state.count > 0 ? { x: state.lastX, time: state.lastT, value: state.lastV } : null,
      // Only the writer's own state holds buckets; one loaded just for this read holds none.
      ...(known ? { held: () => ({ count: known.count, open: known.open, epoch: this.ingestor.evictionEpoch }) } : {}),
    };
  }

  /**
   * Writes series defined and log lines appended since the last flush, inside the flush's
   * transaction. Returns a function that puts them back as pending if that transaction fails.
   */
  async #writeSideRows(c: DuckDBConnection, overlapping: boolean): Promise<() => void> {
    const series = this.#pendingSeries;
    const logs = this.#pendingLogs;
    this.#pendingSeries = [];
    this.#pendingLogs = [];
    // A series leaves the unwritten ones once its flush has committed: the flush before this one
    // may still be committing (any before that one has committed).
    this.#writingSeries = overlapping ? [...this.#lastFlushSeries, ...series] : series;
    this.#lastFlushSeries = series;
    const restore = () => {
      this.#pendingSeries = [...series, ...this.#pendingSeries];
      this.#pendingLogs = [...logs, ...this.#pendingLogs];
    };
    try {
      if (series.length > 0) {
        const appender = await c.createAppender('series');
        try {
          for (const s of series) {
            appender.appendUInteger(s.id);
            appender.appendVarchar(s.runId);
            appender.appendVarchar(s.name);
            appender.appendVarchar(s.kind);
            appender.appendVarchar(s.type);
            appendNullable(appender, s.group);
            appendNullable(appender, s.xScale ? JSON.stringify(s.xScale) : null);
            appendNullable(appender, s.scale ? JSON.stringify(s.scale) : null);
            appendNullable(appender, s.unit);
            appender.appendVarchar(JSON.stringify(s.labels));
            appender.appendVarchar(labelKey(s.labels));
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
      }
      if (logs.length > 0) {
        const appender = await c.createAppender('logs');
        try {
          for (const l of logs) {
            appender.appendVarchar(l.runId);
            appender.appendBigInt(BigInt(l.n));
            appender.appendDouble(l.time);
            appender.appendVarchar(l.stream);
            appender.appendVarchar(l.level);
            appender.appendVarchar(l.text);
            appendNullable(appender, l.metadata ? JSON.stringify(l.metadata) : null);
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
      }
    } catch (error) {
      restore();
      throw error;
    }
    return restore;
  }

  async #readSince(seriesId: number, from: number, limit: number): Promise<SeriesDelta | null> {
    const series = await this.getSeries(seriesId);
    const rows = await this.#withReader((c) =>
      readPoints(c, { series: [seriesId], by: 'n', start: from, limit: Math.min(limit, 1_000_000) }),
    );
    if (rows.length === 0) return null;
    return {
      seriesId,
      runId: series.runId,
      from: rows.n[0] as number,
      x: rows.x,
      xGiven: rows.xGiven,
      time: rows.time,
      value: rows.value,
    };
  }

  async #listRunSeriesCounts(runId: string): Promise<{ id: number; count: number }[]> {
    const series = await this.listSeries(runId);
    return series.map((s) => ({ id: s.id, count: this.#states.get(s.id)?.count ?? 0 }));
  }

  async #refreshColdView(c: DuckDBConnection = this.#writer): Promise<void> {
    const files = (await c.runAndReadAll('SELECT path FROM cold_files ORDER BY path'))
      .getRows()
      .map((r) => String(r[0]));
    const present = files.map((f) => join(this.dir, f)).filter((f) => existsSync(f));
    const sql =
      present.length === 0
        ? 'CREATE OR REPLACE TEMP VIEW points_all AS SELECT * FROM points'
        : `CREATE OR REPLACE TEMP VIEW points_all AS SELECT * FROM points UNION ALL
           SELECT series_id, n, x, t, v, xa FROM read_parquet([${present.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}])`;
    // Temp views live per connection: define it on every connection that reads.
    for (const conn of [this.#writer, ...this.#readers]) await conn.run(sql);
  }
}

function appendNullable(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

/** Stores with more series than this warm their tables in the background after open. */
const WARM_AFTER_SERIES = 200_000;

/** What a run left `running` by an owner that died is told, in its error message. */
export const ORPHANED_RUN_MESSAGE =
  'the process writing this run stopped without ending it (the store was next opened after an unclean shutdown)';

/**
 * Marks every `running` run `failed`, ended at its last point (else when it started or was
 * created), with `ORPHANED_RUN_MESSAGE`. Only for a store whose owner died: one process owns a
 * store, so its runs still running were that process's. Returns their ids.
 */
async function endOrphanedRuns(c: DuckDBConnection): Promise<string[]> {
  const rows = await c.runAndReadAll(
    `UPDATE runs SET status = 'failed', error_message = ?,
       ended_at = coalesce(
         (SELECT max(st.last_t) FROM series s JOIN series_stats st ON st.series_id = s.id WHERE s.run_id = runs.id),
         started_at, created_at)
     WHERE status = 'running' RETURNING id`,
    [ORPHANED_RUN_MESSAGE],
  );
  return rows.getRows().map((r) => String(r[0]));
}

async function migrate(c: DuckDBConnection, file: string): Promise<void> {
  await c.run('CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)');
  const rows = (await c.runAndReadAll("SELECT value FROM meta WHERE key = 'schema_version'")).getRows();
  const found = rows[0] ? Number(rows[0][0]) : null;
  if (found !== null && found > SCHEMA_VERSION) throw new SchemaVersionError(file, found, SCHEMA_VERSION);
  await c.run('BEGIN TRANSACTION');
  try {
    if (found === null) {
      await c.run(SCHEMA_DDL);
    } else {
      for (const migration of MIGRATIONS) if (migration.from >= found) await migration.up(c);
    }
    await c.run("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
    await c.run('COMMIT');
  } catch (error) {
    await c.run('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Whether DuckDB has invalidated the database after this error (it must be opened again). */
function isInvalidated(error: unknown): boolean {
  return /invalidated|FATAL/i.test(String((error as Error)?.message ?? error));
}

import { ApiRequestError, type ApiRun, type ApiSeries, type TrainscopeClient } from '@trainscope/client';
import type { LogInput, PointBatch, Run, SeriesDef } from '@trainscope/core';
import { tableFromArrays } from 'apache-arrow';
import { ChunkNumberer } from './chunk.js';
import { OutageBuffer } from './outage-buffer.js';
import type { DeliveryReport, RunSink, SinkSeries } from './run-sink.js';
import { logToApi, runFromApi, runPatchToApi, seriesDefToApi, seriesFromApi } from './wire.js';

/** Options of `remoteSink`. */
export interface RemoteSinkOptions {
  /** Points kept in memory while the server is unreachable; more go to a spill file. */
  bufferPoints: number;
  spillDir: string;
  /** Send interval (and the first retry delay). */
  intervalMs: number;
  closeTimeoutMs: number;
  warn: (message: string) => void;
}

/** Log lines kept in memory while the server is unreachable. */
const MAX_LOG_LINES = 100_000;

function countIn(series: Uint32Array, id: number): number {
  let n = 0;
  for (let i = 0; i < series.length; i++) if (series[i] === id) n++;
  return n;
}

// Awaited by the caller, so not unref'd: the process must not exit while a flush waits.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors after which the same request may succeed later (server away, restarting, busy). */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiRequestError)) return true;
  return error.status === 0 || error.status >= 500 || error.status === 429 || error.status === 408;
}

/**
 * Writes a run through a server. Series get SDK ids at once and are defined on the server (by
 * name, which is idempotent) before their first points go out. Every point is numbered within its
 * series, so batches carry `start` positions and the server drops what it already holds: after an
 * outage, everything unacknowledged is resent in order, nothing doubled. While the server is away
 * points wait in an `OutageBuffer` (memory, then a spill file).
 */
export function remoteSink(client: TrainscopeClient, apiRun: ApiRun, options: RemoteSinkOptions): RunSink {
  let run = runFromApi(apiRun);
  const defs: SeriesDef[] = [];
  const keys = new Map<string, number>();
  /** Server id per SDK id; -1 until defined. */
  const remote: number[] = [];
  /** Points the series held on the server before this experiment's first point of it. */
  const base: number[] = [];
  /** Points of each series (counted from this experiment's first) the server has acknowledged. */
  const acked: number[] = [];
  const numberer = new ChunkNumberer();
  const buffer = new OutageBuffer(options.bufferPoints, options.spillDir, `trainscope-${run.id}-${process.pid}`);
  let logs: LogInput[] = [];
  let droppedLogs = 0;
  /** Chunks and log lines handed over, and those done with (acknowledged, or refused for good). */
  let chunksIn = 0;
  let chunksDone = 0;
  let logsIn = 0;
  let logsDone = 0;
  let pump: Promise<void> | null = null;
  let failures = 0;
  let lastError: unknown = null;
  let closed = false;

  const key = (def: SeriesDef) => `${def.name}\u0000${JSON.stringify(Object.entries(def.labels ?? {}).sort())}`;

  async function define(): Promise<void> {
    const fresh: number[] = [];
    for (let id = 0; id < defs.length; id++) if ((remote[id] ?? -1) < 0) fresh.push(id);
    if (fresh.length === 0) return;
    const defined = await client.defineSeries(
      run.id,
      fresh.map((id) => seriesDefToApi(defs[id] as SeriesDef)),
    );
    const ids = defined.map((s) => s.id);
    // An empty batch naming every series at position 0 answers with the position each takes next.
    const { next } = await client.ingest(
      { series: [], value: [] },
      { start: Object.fromEntries(ids.map((id) => [id, 0])) },
    );
    fresh.forEach((id, k) => {
      const serverId = ids[k] as number;
      remote[id] = serverId;
      // A series met again after the server lost its definition keeps its first base.
      base[id] ??= next[String(serverId)] ?? 0;
    });
  }

  /** Points each series holds on the server (committed), by server id. */
  async function countsOf(serverIds: number[]): Promise<Map<number, number>> {
    if (serverIds.length === 0) return new Map();
    return new Map((await client.summaries(run.id, serverIds)).map((s) => [s.series_id, s.count]));
  }

  /**
   * Waits until the server has committed what it acknowledged for these series (it writes in the
   * background), so a read sees it; gives up after a few seconds and reads what is there.
   */
  async function stored(ids: number[]): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const counts = await countsOf(ids.map((id) => remote[id] as number));
      if (ids.every((id) => (counts.get(remote[id] as number) ?? 0) >= (base[id] ?? 0) + (acked[id] ?? 0))) return;
      await sleep(Math.min(100, 5 * 2 ** attempt));
    }
  }

  async function sendChunk(): Promise<boolean> {
    const chunk = buffer.peek();
    if (!chunk) return false;
    const { batch, starts } = chunk;
    const series = new Uint32Array(batch.length);
    for (let i = 0; i < batch.length; i++) series[i] = remote[batch.series[i] as number] as number;
    const start: Record<number, number> = {};
    for (let k = 0; k < starts.length; k += 2) {
      const id = starts[k] as number;
      start[remote[id] as number] = (base[id] ?? 0) + (starts[k + 1] as number);
    }
    try {
      // Arrow IPC: typed columns as they are (about twice the points/s of JSON on loopback).
      const table = tableFromArrays({ series, x: batch.x, time: batch.time, value: batch.value });
      await client.ingestArrow(table, { start });
    } catch (error) {
      if (error instanceof ApiRequestError && error.code === 'ingest_gap') {
        rebase(starts, error.expected ?? {});
        return true;
      }
      if (error instanceof ApiRequestError && error.code === 'unknown_series') {
        // The server lost series definitions (it stopped before writing them): define them again.
        for (let k = 0; k < starts.length; k += 2) remote[starts[k] as number] = -1;
        return true;
      }
      if (!retryable(error)) {
        options.warn(
          `trainscope: the server refused ${batch.length} points (${(error as Error).message}); they are dropped.`,
        );
        buffer.shift();
        chunksDone++;
        return true;
      }
      throw error;
    }
    buffer.shift();
    chunksDone++;
    for (let k = 0; k < starts.length; k += 2) {
      const id = starts[k] as number;
      acked[id] = (starts[k + 1] as number) + countIn(batch.series, id);
    }
    return true;
  }

  /**
   * The server holds fewer points than this batch assumes: it acknowledged some and stopped before
   * storing them. Continue from what it holds, and say how many were lost.
   */
  function rebase(starts: Float64Array, expected: Record<string, number>): void {
    let lost = 0;
    for (let k = 0; k < starts.length; k += 2) {
      const id = starts[k] as number;
      const held = expected[String(remote[id])];
      const at = (base[id] ?? 0) + (starts[k + 1] as number);
      if (held !== undefined && at > held) {
        lost += at - held;
        base[id] = (base[id] ?? 0) - (at - held);
      }
    }
    options.warn(
      `trainscope: the server lost ${lost} acknowledged points (it stopped before storing them); continuing.`,
    );
  }

  /** Sends what was waiting when it started (later arrivals go with the next pass). */
  async function sendAll(): Promise<void> {
    const until = chunksIn;
    await define();
    while (chunksDone < until && (await sendChunk())) {
      if (remote.some((id) => id < 0)) await define();
    }
    if (logs.length > 0) {
      const taken = logs;
      logs = [];
      try {
        await client.appendLogs(run.id, taken.map(logToApi));
      } catch (error) {
        // Put them back ahead of lines logged meanwhile, still within the bound.
        logs = [...taken, ...logs];
        const over = logs.length - MAX_LOG_LINES;
        if (over > 0) {
          logs.splice(0, over);
          droppedLogs += over;
        }
        throw error;
      }
      logsDone += taken.length;
    }
  }

  /** One delivery pass at a time; resolves when it ends, rejects when the server could not be reached. */
  function deliver(): Promise<void> {
    pump ??= sendAll()
      .then(() => {
        if (failures > 0) options.warn('trainscope: the server is reachable again; buffered points were sent.');
        failures = 0;
        lastError = null;
      })
      .catch((error: unknown) => {
        failures++;
        lastError = error;
        if (failures === 1) {
          options.warn(
            `trainscope: cannot deliver to ${client.url} (${(error as Error).message}); keeping points (spilled to ${buffer.spillPath} past ${options.bufferPoints}) and retrying.`,
          );
        }
        throw error;
      })
      .finally(() => {
        pump = null;
      });
    return pump;
  }

  const idle = () =>
    buffer.points === 0 && logs.length === 0 && !remote.some((id) => id < 0) && remote.length === defs.length;

  let timer: NodeJS.Timeout | null = null;
  const schedule = (ms: number) => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (idle()) return schedule(options.intervalMs);
      deliver()
        .then(() => schedule(options.intervalMs))
        .catch(() => schedule(Math.min(2000, options.intervalMs * 2 ** Math.min(failures, 4))));
    }, ms);
    timer.unref();
  };
  schedule(options.intervalMs);

  /**
   * Keeps delivering until everything handed over before the call is acknowledged (what arrives
   * meanwhile does not hold it up), or `deadline` passes; true when delivered.
   */
  async function drain(deadline: number): Promise<boolean> {
    const chunks = chunksIn;
    const lines = logsIn - droppedLogs;
    const done = () => chunksDone >= chunks && logsDone >= lines && !remote.some((id) => id < 0);
    for (let attempt = 0; ; attempt++) {
      try {
        if (pump) await pump.catch(() => {});
        if (done()) return true;
        await deliver();
        if (done()) return true;
      } catch {
        if (Date.now() >= deadline) return false;
        await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  return {
    mode: 'remote',
    get run(): Run {
      return run;
    },
    series(def: SeriesDef): number {
      const k = key(def);
      let id = keys.get(k);
      if (id === undefined) {
        id = defs.push(def) - 1;
        remote.push(-1);
        keys.set(k, id);
      }
      return id;
    },
    ingest(batch: PointBatch): void {
      buffer.push(numberer.number(batch));
      chunksIn++;
    },
    log(line: LogInput): void {
      logs.push(line);
      logsIn++;
      // Log lines wait in memory only: past 100,000 the oldest go, counted and said at close.
      if (logs.length > MAX_LOG_LINES) {
        logs.shift();
        droppedLogs++;
      }
    },
    async updateRun(patch) {
      run = runFromApi(await client.updateRun(run.id, runPatchToApi(patch)));
      return run;
    },
    async listSeries(): Promise<SinkSeries[]> {
      await drain(Number.POSITIVE_INFINITY);
      const series: ApiSeries[] = await client.series(run.id);
      const sdkId = new Map(remote.map((serverId, id) => [serverId, id]));
      const summaries = new Map(
        series.length === 0
          ? []
          : (
              await client.summaries(
                run.id,
                series.map((s) => s.id),
              )
            ).map((s) => [s.series_id, s]),
      );
      return series.map((s) => {
        let id = sdkId.get(s.id);
        if (id === undefined) {
          // A series this experiment did not define (a resumed run): known by its server id from now on.
          id = defs.push({ name: s.name, labels: s.labels }) - 1;
          keys.set(key({ name: s.name, labels: s.labels }), id);
          remote.push(s.id);
          base.push(summaries.get(s.id)?.count ?? 0);
        }
        return {
          id,
          series: seriesFromApi(s),
          count: summaries.get(s.id)?.count ?? 0,
          lastX: summaries.get(s.id)?.last_x ?? null,
        };
      });
    },
    async read(ids, start, end, cursor) {
      await drain(Number.POSITIVE_INFINITY);
      if (!cursor) await stored(ids);
      const sdkId = new Map(remote.map((serverId, id) => [serverId, id]));
      const page = await client.points({
        series: ids.map((id) => remote[id] as number),
        by: 'x',
        start,
        end,
        ...(cursor ? { cursor } : {}),
      });
      return { ...page, series: Array.from(page.series, (s) => sdkId.get(s) ?? -1) };
    },
    async flush() {
      await drain(Number.POSITIVE_INFINITY);
    },
    settle: (deadline) => drain(deadline),
    async close(): Promise<DeliveryReport> {
      const delivered = idle() || (await drain(Date.now()));
      closed = true;
      if (timer) clearTimeout(timer);
      const lostLogs = droppedLogs + (delivered ? 0 : logs.length);
      if (lostLogs > 0) options.warn(`trainscope: ${lostLogs} log lines of run ${run.id} could not be delivered.`);
      if (delivered) return { undelivered: 0, keptAt: null };
      const undelivered = buffer.points;
      const keptAt = undelivered > 0 ? buffer.persist() : null;
      const why = String((lastError as Error)?.message ?? lastError);
      options.warn(
        `trainscope: ${undelivered} points of run ${run.id} could not be delivered to ${client.url} (${why})${keptAt ? `; they are kept in ${keptAt}` : ''}.`,
      );
      return { undelivered, keptAt };
    },
  };
}

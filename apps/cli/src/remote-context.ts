import { ApiRequestError, type TrainscopeClient } from '@trainscope/client';
import type { LogInput, PluginContext, PointBatch, Run, RunPatch, SeriesDef, Store } from '@trainscope/core';
import { logToApi, runPatchToApi, seriesDefToApi } from '@trainscope/sdk';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { Output } from './output.js';

/** A run as core's plugins see it, from the API's wire form. */
export { runFromApi } from '@trainscope/sdk';

/** Where a remote run's data goes: the owner's API, or the store itself once this process owns it. */
export interface RunTransport {
  /** Defines series; returns their store ids in order. */
  defineSeries(defs: SeriesDef[]): Promise<number[]>;
  /**
   * Appends points; `start` gives each series' position of its first point in the batch (points
   * already held are skipped). Throws `PositionGapError` when a series holds fewer points than that.
   */
  ingest(columns: PointBatch, start: Record<number, number>): Promise<void>;
  appendLogs(lines: LogInput[]): Promise<void>;
  updateRun(patch: RunPatch): Promise<void>;
}

/** The store holds fewer points of some series than the writer numbered from. */
export class PositionGapError extends Error {
  readonly expected: Record<string, number>;
  constructor(expected: Record<string, number>) {
    super(`The store expects other positions: ${JSON.stringify(expected)}`);
    this.expected = expected;
  }
}

/** A transport over the owner's HTTP API. */
export function httpTransport(client: TrainscopeClient, runId: string): RunTransport {
  return {
    async defineSeries(defs) {
      const defined = await client.defineSeries(runId, defs.map(seriesDefToApi));
      return defined.map((s) => s.id);
    },
    async ingest(b, start) {
      const table = tableFromArrays({ series: b.series, x: b.x, time: b.time, value: b.value });
      try {
        await client.ingestArrow(tableToIPC(table, 'stream'), { start });
      } catch (error) {
        if (error instanceof ApiRequestError && error.code === 'ingest_gap' && error.expected) {
          throw new PositionGapError(error.expected);
        }
        throw error;
      }
    },
    async appendLogs(lines) {
      await client.appendLogs(runId, lines.map(logToApi));
    },
    async updateRun(patch) {
      await client.updateRun(runId, runPatchToApi(patch));
    },
  };
}

/** A transport into a store this process owns (after taking over from an owner that ended). */
export function storeTransport(store: Store, runId: string): RunTransport {
  return {
    async defineSeries(defs) {
      await store.openRun(runId);
      return defs.map((d) => store.defineSeries(runId, d).id);
    },
    async ingest(b, start) {
      await store.loadSeries(Object.keys(start).map(Number));
      // Skip what each series already holds; refuse a gap, as the API does.
      const skip = new Map<number, number>();
      const gaps: Record<string, number> = {};
      for (const [id, first] of Object.entries(start)) {
        const next = store.ingestor.nextIndex(Number(id));
        if (first > next) gaps[id] = next;
        else skip.set(Number(id), next - first);
      }
      if (Object.keys(gaps).length > 0) throw new PositionGapError(gaps);
      const keep: number[] = [];
      for (let i = 0; i < b.length; i++) {
        const id = b.series[i] as number;
        const left = skip.get(id) ?? 0;
        if (left > 0) skip.set(id, left - 1);
        else keep.push(i);
      }
      const pick = <T extends Float64Array | Uint32Array>(col: T): T => {
        const out = new (col.constructor as new (length: number) => T)(keep.length);
        for (let j = 0; j < keep.length; j++) out[j] = col[keep[j] as number] as number;
        return out;
      };
      if (keep.length === 0) return;
      store.ingestor.ingest(
        keep.length === b.length
          ? b
          : { length: keep.length, series: pick(b.series), x: pick(b.x), time: pick(b.time), value: pick(b.value) },
      );
      await store.flush();
    },
    async appendLogs(lines) {
      store.appendLogs(runId, lines);
    },
    async updateRun(patch) {
      await store.updateRun(runId, patch);
    },
  };
}

/** A plugin context that writes through the store owner's HTTP API, plus the means to drain it. */
export interface RemoteContext extends PluginContext {
  /** Sends everything buffered; resolves when the owner has acknowledged it. */
  flush(): Promise<void>;
  /** Points and log lines not yet acknowledged. */
  pending(): { points: number; logs: number };
  abort(): void;
  /** Sets the run's status (after delivering everything buffered). */
  updateRun(patch: RunPatch): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes a run through the owner of the store (DESIGN "one writer, many clients"): series get
 * local ids at once (plugins need them synchronously) and are defined on the owner before their
 * points are sent; batches go every `intervalMs`. While the owner is unreachable everything stays
 * buffered (up to `maxPoints`, then the oldest unsent is dropped and counted) and is retried with
 * back-off, so a restart of the owner loses nothing within the bound. Each batch names the
 * position of every series' first point in it, so a batch resent after a failure whose answer was
 * lost is stored once. When the owner stays away, `takeOver` may hand a transport into the store
 * itself (this process becoming its owner), and the run goes on there.
 */
export function remoteContext(
  transport: RunTransport,
  run: Run,
  out: Output,
  options: {
    intervalMs?: number;
    maxPoints?: number;
    takeOver?: () => Promise<RunTransport | null>;
    /** How long the owner must stay unreachable before `takeOver` is tried. @default 10000 */
    takeOverAfterMs?: number;
  } = {},
): RemoteContext {
  const intervalMs = options.intervalMs ?? 250;
  const maxPoints = options.maxPoints ?? 5_000_000;
  const controller = new AbortController();
  const defs: SeriesDef[] = [];
  const localIds = new Map<string, number>();
  const remoteIds: number[] = [];
  let batches: PointBatch[] = [];
  /** Batches being sent now (taken off the head of `batches`; put back if the send fails). */
  let inflight: PointBatch[] = [];
  let buffered = 0;
  /** Per local series id: the position in the store of its first point not yet acknowledged. */
  const base: number[] = [];
  let logs: LogInput[] = [];
  let dropped = 0;
  let sending: Promise<void> | null = null;
  let failures = 0;
  let unreachableSince = 0;
  const takeOverAfterMs = options.takeOverAfterMs ?? 10_000;
  let closed = false;
  let target = transport;

  const key = (def: SeriesDef) => `${def.name}\u0000${JSON.stringify(Object.entries(def.labels ?? {}).sort())}`;

  async function sendPoints(): Promise<void> {
    inflight = batches;
    batches = [];
    const taken = inflight;
    const n = taken.reduce((sum, b) => sum + b.length, 0);
    const merged: PointBatch = {
      length: n,
      series: new Uint32Array(n),
      x: new Float64Array(n),
      time: new Float64Array(n),
      value: new Float64Array(n),
    };
    const counts = new Map<number, number>();
    let offset = 0;
    for (const b of taken) {
      for (let i = 0; i < b.length; i++) {
        const local = b.series[i] as number;
        merged.series[offset + i] = remoteIds[local] as number;
        counts.set(local, (counts.get(local) ?? 0) + 1);
      }
      merged.x.set(b.x.subarray(0, b.length), offset);
      merged.time.set(b.time.subarray(0, b.length), offset);
      merged.value.set(b.value.subarray(0, b.length), offset);
      offset += b.length;
    }
    const start: Record<number, number> = {};
    for (const local of counts.keys()) start[remoteIds[local] as number] = base[local] ?? 0;
    try {
      await target.ingest(merged, start);
    } catch (error) {
      batches = [...inflight, ...batches];
      inflight = [];
      // The store holds fewer points than were acknowledged (its owner restarted before writing
      // them): number from what it holds, and resend.
      if (error instanceof PositionGapError) {
        for (const [local, remote] of remoteIds.entries()) {
          const expected = error.expected[String(remote)];
          if (expected !== undefined) base[local] = expected;
        }
      }
      throw error;
    }
    // Only now are they the store's.
    for (const [local, count] of counts) base[local] = (base[local] ?? 0) + count;
    inflight = [];
    buffered -= n;
  }

  async function sendOnce(): Promise<void> {
    if (remoteIds.length < defs.length) {
      for (const id of await target.defineSeries(defs.slice(remoteIds.length))) remoteIds.push(id);
    }
    if (batches.length > 0) await sendPoints();
    if (logs.length > 0) {
      const taken = logs;
      await target.appendLogs(taken);
      logs = logs.slice(taken.length);
    }
  }

  async function tryTakeOver(): Promise<boolean> {
    if (!options.takeOver) return false;
    const next = await options.takeOver().catch(() => null);
    if (!next) return false;
    target = next;
    return true;
  }

  function send(): Promise<void> {
    sending ??= sendOnce()
      .then(() => {
        if (failures > 0) out.info(`trainscope: buffered data delivered`);
        failures = 0;
      })
      .catch(async (error: unknown) => {
        failures++;
        if (failures === 1) unreachableSince = Date.now();
        if (failures === 1) {
          out.warn(`trainscope: cannot reach the store owner (${(error as Error).message}); buffering and retrying`);
        }
        const gone = Date.now() - unreachableSince >= takeOverAfterMs;
        if (gone && !(error instanceof PositionGapError) && (await tryTakeOver())) {
          failures = 0;
          await sendOnce();
          return;
        }
        throw error;
      })
      .finally(() => {
        sending = null;
      });
    return sending;
  }

  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    timer = null;
    send()
      .catch(() => {})
      .finally(() => {
        if (!closed) timer = setTimeout(tick, failures ? Math.min(5000, intervalMs * 2 ** failures) : intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    run,
    signal: controller.signal,
    logger: out.logger,
    series(def: SeriesDef): number {
      const k = key(def);
      let id = localIds.get(k);
      if (id === undefined) {
        id = defs.length;
        defs.push(def);
        localIds.set(k, id);
      }
      return id;
    },
    ingest(batch: PointBatch): void {
      const copy: PointBatch = {
        length: batch.length,
        series: batch.series.slice(0, batch.length),
        x: batch.x.slice(0, batch.length),
        time: batch.time.slice(0, batch.length),
        value: batch.value.slice(0, batch.length),
      };
      batches.push(copy);
      buffered += copy.length;
      while (buffered > maxPoints && batches.length > 1) {
        const oldest = batches.shift() as PointBatch;
        buffered -= oldest.length;
        dropped += oldest.length;
      }
    },
    log(line: LogInput): void {
      logs.push(line);
      if (logs.length > 100_000) logs.shift();
    },
    pending: () => ({ points: buffered, logs: logs.length }),
    abort: () => controller.abort(),
    async flush(): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          if (sending) await sending.catch(() => {});
          await send();
          if (buffered === 0 && logs.length === 0 && remoteIds.length === defs.length) return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((r) => setTimeout(r, Math.min(3000, 100 * 2 ** attempt)));
        }
      }
    },
    async updateRun(patch: RunPatch): Promise<void> {
      await this.flush();
      for (let attempt = 0; ; attempt++) {
        try {
          await target.updateRun(patch);
          return;
        } catch (error) {
          if (attempt >= 2 || !(await tryTakeOver())) throw error;
          out.info('trainscope: recording the run status in the store directly');
        }
      }
    },
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      if (dropped > 0) out.warn(`trainscope: ${dropped} points were dropped while the store owner was unreachable`);
    },
  };
}

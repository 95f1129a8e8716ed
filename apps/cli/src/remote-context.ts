import { ApiRequestError, type ApiRun, type TrainscopeClient } from '@trainscope/client';
import type { LogInput, PluginContext, PointBatch, Run, SeriesDef } from '@trainscope/core';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { Output } from './output.js';

/** A run as core's plugins see it, from the API's wire form. */
export function runFromApi(run: ApiRun): Run {
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  return {
    id: run.id,
    project: run.project,
    name: run.name,
    status: run.status,
    createdAt: Date.parse(run.created_at),
    startedAt: ms(run.started_at),
    endedAt: ms(run.ended_at),
    exitCode: run.exit_code,
    errorMessage: run.error_message,
    params: run.params,
    tags: run.tags,
    host: run.host,
  };
}

/** A plugin context that writes through the store owner's HTTP API, plus the means to drain it. */
export interface RemoteContext extends PluginContext {
  /** Sends everything buffered; resolves when the owner has acknowledged it. */
  flush(): Promise<void>;
  /** Points and log lines not yet acknowledged. */
  pending(): { points: number; logs: number };
  abort(): void;
  close(): Promise<void>;
}

/**
 * Writes a run through the owner of the store (DESIGN "one writer, many clients"): series get
 * local ids at once (plugins need them synchronously) and are defined on the owner before their
 * points are sent; batches go as Arrow IPC every `intervalMs`. While the owner is unreachable
 * everything stays buffered (up to `maxPoints`, then the oldest unsent is dropped and counted) and
 * is retried with back-off, so a restart of the owner loses nothing within the bound. Each batch
 * names the position of every series' first point in it (the API's `start`), so a batch resent
 * after a failure whose answer was lost is stored once.
 */
export function remoteContext(
  client: TrainscopeClient,
  run: Run,
  out: Output,
  options: { intervalMs?: number; maxPoints?: number } = {},
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
  /** Per local series id: the position on the owner of its first point not yet acknowledged. */
  const base: number[] = [];
  let logs: LogInput[] = [];
  let dropped = 0;
  let sending: Promise<void> | null = null;
  let failures = 0;
  let closed = false;

  const key = (def: SeriesDef) => `${def.name}\u0000${JSON.stringify(Object.entries(def.labels ?? {}).sort())}`;

  async function sendOnce(): Promise<void> {
    if (remoteIds.length < defs.length) {
      const fresh = defs.slice(remoteIds.length);
      const defined = await client.defineSeries(
        run.id,
        fresh.map((d) => ({
          name: d.name,
          ...(d.kind ? { kind: d.kind } : {}),
          ...(d.type ? { type: d.type } : {}),
          ...(d.group ? { group: d.group } : {}),
          ...(d.unit ? { unit: d.unit } : {}),
          ...(d.labels ? { labels: d.labels } : {}),
          ...(d.scale ? { scale: d.scale } : {}),
          ...(d.xScale ? { x_scale: d.xScale } : {}),
        })),
      );
      for (const s of defined) remoteIds.push(s.id);
    }
    if (batches.length > 0) {
      inflight = batches;
      batches = [];
      const taken = inflight;
      const n = taken.reduce((sum, b) => sum + b.length, 0);
      const series = new Uint32Array(n);
      const x = new Float64Array(n);
      const time = new Float64Array(n);
      const value = new Float64Array(n);
      const counts = new Map<number, number>();
      let offset = 0;
      for (const b of taken) {
        for (let i = 0; i < b.length; i++) {
          const local = b.series[i] as number;
          series[offset + i] = remoteIds[local] as number;
          counts.set(local, (counts.get(local) ?? 0) + 1);
        }
        x.set(b.x.subarray(0, b.length), offset);
        time.set(b.time.subarray(0, b.length), offset);
        value.set(b.value.subarray(0, b.length), offset);
        offset += b.length;
      }
      const start: Record<number, number> = {};
      for (const local of counts.keys()) start[remoteIds[local] as number] = base[local] ?? 0;
      try {
        await client.ingestArrow(tableToIPC(tableFromArrays({ series, x, time, value }), 'stream'), { start });
      } catch (error) {
        batches = [...inflight, ...batches];
        inflight = [];
        // The owner holds fewer points than it acknowledged (it restarted before writing them):
        // number from what it holds, and resend.
        if (error instanceof ApiRequestError && error.code === 'ingest_gap' && error.expected) {
          for (const [local, remote] of remoteIds.entries()) {
            const expected = error.expected[String(remote)];
            if (expected !== undefined) base[local] = expected;
          }
        }
        throw error;
      }
      // Only now are they the owner's.
      for (const [local, count] of counts) base[local] = (base[local] ?? 0) + count;
      inflight = [];
      buffered -= n;
    }
    if (logs.length > 0) {
      const taken = logs;
      await client.appendLogs(
        run.id,
        taken.map((l) => ({
          text: l.text,
          ...(l.stream ? { stream: l.stream } : {}),
          ...(l.level ? { level: l.level } : {}),
          ...(l.time !== undefined ? { time: l.time } : {}),
          ...(l.metadata ? { metadata: l.metadata } : {}),
        })),
      );
      logs = logs.slice(taken.length);
    }
  }

  function send(): Promise<void> {
    sending ??= sendOnce()
      .then(() => {
        if (failures > 0) out.info(`trainscope: the store owner is reachable again; buffered data sent`);
        failures = 0;
      })
      .catch((error: unknown) => {
        failures++;
        if (failures === 1) {
          out.warn(`trainscope: cannot reach the store owner (${(error as Error).message}); buffering and retrying`);
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
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      if (dropped > 0) out.warn(`trainscope: ${dropped} points were dropped while the store owner was unreachable`);
    },
  };
}

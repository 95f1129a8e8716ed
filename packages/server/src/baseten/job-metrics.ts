import type {
  InstanceType,
  StorageMetrics,
  TrainingJob,
  TrainingJobMetric,
  TrainingJobMetrics,
  TrainingJobMetricsResponse,
} from '@trainscope/client';
import type { Run, Series } from '@trainscope/core';

/** Points of one series inside the asked time range. */
export interface SeriesPoints {
  series: Series;
  time: Float64Array;
  value: Float64Array;
}

/** Baseten's status vocabulary for each run status. */
export const BASETEN_STATUS: Record<Run['status'], string> = {
  running: 'TRAINING_JOB_RUNNING',
  completed: 'TRAINING_JOB_COMPLETED',
  failed: 'TRAINING_JOB_FAILED',
  stopped: 'TRAINING_JOB_STOPPED',
};

/** Where a system series lands in the response (names from the system and nvml plugins). */
type Slot =
  | { kind: 'cpu_usage' | 'cpu_memory_usage_bytes' }
  | { kind: 'ephemeral_storage' | 'cache'; field: 'usage_bytes' | 'utilization' }
  | { kind: 'gpu_utilization' | 'gpu_memory_usage_bytes'; rank: string };

/** Maps a series name to its place in the response, or null when Baseten has no such metric. */
export function slotOf(name: string): Slot | null {
  switch (name) {
    case 'cpu/usage_cores':
      return { kind: 'cpu_usage' };
    case 'memory/usage_bytes':
      return { kind: 'cpu_memory_usage_bytes' };
    case 'disk/usage_bytes':
      return { kind: 'ephemeral_storage', field: 'usage_bytes' };
    case 'disk/utilization':
      return { kind: 'ephemeral_storage', field: 'utilization' };
    case 'cache/usage_bytes':
      return { kind: 'cache', field: 'usage_bytes' };
    case 'cache/utilization':
      return { kind: 'cache', field: 'utilization' };
  }
  const gpu = /^gpu\/(\d+)\/(utilization|memory_used_bytes)$/.exec(name);
  if (!gpu) return null;
  return {
    kind: gpu[2] === 'utilization' ? 'gpu_utilization' : 'gpu_memory_usage_bytes',
    rank: String(Number(gpu[1])),
  };
}

function emptyMetrics(): TrainingJobMetrics {
  return {
    gpu_memory_usage_bytes: {},
    gpu_utilization: {},
    cpu_usage: [],
    cpu_memory_usage_bytes: [],
    ephemeral_storage: { usage_bytes: [], utilization: [] },
  };
}

/** Finite points as Baseten metrics (JSON numbers cannot be NaN/Infinity); counts what it leaves out. */
function toMetrics(p: SeriesPoints, dropped: { nonFinite: number }): TrainingJobMetric[] {
  const out: TrainingJobMetric[] = [];
  for (let i = 0; i < p.value.length; i++) {
    const value = p.value[i] as number;
    if (!Number.isFinite(value)) {
      dropped.nonFinite++;
      continue;
    }
    out.push({ value, timestamp: new Date(p.time[i] as number).toISOString() });
  }
  return out;
}

function byTime(a: TrainingJobMetric, b: TrainingJobMetric): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0;
}

function place(
  metrics: TrainingJobMetrics,
  cache: { value: StorageMetrics | null },
  slot: Slot,
  points: TrainingJobMetric[],
): void {
  const append = (list: TrainingJobMetric[]) => {
    list.push(...points);
    list.sort(byTime);
  };
  switch (slot.kind) {
    case 'cpu_usage':
    case 'cpu_memory_usage_bytes':
      append(metrics[slot.kind]);
      return;
    case 'ephemeral_storage':
      append(metrics.ephemeral_storage[slot.field]);
      return;
    case 'cache':
      cache.value ??= { usage_bytes: [], utilization: [] };
      append(cache.value[slot.field]);
      return;
    case 'gpu_utilization':
    case 'gpu_memory_usage_bytes': {
      const map = metrics[slot.kind];
      map[slot.rank] ??= [];
      append(map[slot.rank] as TrainingJobMetric[]);
      return;
    }
  }
}

const mib = (bytes: number | undefined): number | null =>
  typeof bytes === 'number' && Number.isFinite(bytes) ? Math.floor(bytes / 2 ** 20) : null;

/** Baseten's instance type from the run's host facts. */
export function instanceTypeOf(run: Run): InstanceType {
  const host = run.host;
  const id = host.instanceType ?? host.hostname ?? 'local';
  return {
    id,
    name: id,
    memory_limit_mib: mib(host.memoryLimitBytes) ?? 0,
    millicpu_limit: typeof host.cpuCount === 'number' ? Math.round(host.cpuCount * 1000) : 0,
    gpu_count: typeof host.gpuCount === 'number' ? Math.floor(host.gpuCount) : 0,
    gpu_type: host.gpuType ?? null,
    gpu_memory_limit_mib: mib(host.gpuMemoryBytes),
  };
}

/** Baseten's training job object for a run. */
export function trainingJobOf(run: Run): TrainingJob {
  const updated = Math.max(run.createdAt, run.startedAt ?? 0, run.endedAt ?? 0);
  return {
    id: run.id,
    created_at: new Date(run.createdAt).toISOString(),
    current_status: BASETEN_STATUS[run.status] ?? 'TRAINING_JOB_UNKNOWN',
    error_message: run.errorMessage,
    instance_type: instanceTypeOf(run),
    updated_at: new Date(updated).toISOString(),
    training_project_id: run.project,
    training_project: { id: run.project, name: run.project },
    name: run.name || null,
  };
}

/**
 * Builds Baseten's `GetTrainingJobMetricsResponseV1` from a run and the points of its system
 * series. Series with a `node` label go to that node's entry of `per_node_metrics`; the top level
 * shows the leader: series without a node label, else the run's own host, else the first node.
 */
export function jobMetricsResponse(
  run: Run,
  series: readonly SeriesPoints[],
): { response: TrainingJobMetricsResponse; droppedNonFinite: number } {
  const dropped = { nonFinite: 0 };
  const placed = series.map((p) => ({ p, slot: slotOf(p.series.name), node: p.series.labels['node'] }));
  const relevant = placed.filter((e): e is typeof e & { slot: Slot } => e.slot !== null);
  const nodes = [...new Set(relevant.map((e) => e.node).filter((n): n is string => n !== undefined))].sort();
  const hostname = typeof run.host.hostname === 'string' ? run.host.hostname : undefined;
  const unlabelled = relevant.some((e) => e.node === undefined);
  const leader = unlabelled ? undefined : hostname !== undefined && nodes.includes(hostname) ? hostname : nodes[0];

  const top = emptyMetrics();
  const cache = { value: null as StorageMetrics | null };
  const perNode = new Map<string, TrainingJobMetrics>(nodes.map((n) => [n, emptyMetrics()]));
  for (const { p, slot, node } of relevant) {
    const points = toMetrics(p, dropped);
    if (node === leader) place(top, cache, slot, points);
    // Baseten's per-node metrics have no cache entry; the leader's cache is at the top level.
    const nodeMetrics = node === undefined ? undefined : perNode.get(node);
    if (nodeMetrics && slot.kind !== 'cache') place(nodeMetrics, cache, slot, [...points]);
  }
  const perNodeMetrics =
    nodes.length > 0
      ? nodes.map((n) => ({ node_id: n, metrics: perNode.get(n) as TrainingJobMetrics }))
      : [{ node_id: hostname ?? 'node-0', metrics: top }];
  return {
    response: {
      ...top,
      training_job: trainingJobOf(run),
      cache: cache.value,
      per_node_metrics: perNodeMetrics,
    },
    droppedNonFinite: dropped.nonFinite,
  };
}

import type { MemInfo } from './parse-meminfo.js';
import type { NetTotals } from './parse-net-dev.js';
import type { CpuTimes } from './parse-proc-stat.js';

/** The figures the system plugin emits, in slot order: name (kind `system`) and unit. */
export const SYSTEM_FIGURES = [
  { name: 'cpu/usage_cores', unit: 'cores' },
  { name: 'cpu/usage_percent', unit: '%' },
  { name: 'host/cpu/usage_cores', unit: 'cores' },
  { name: 'host/cpu/usage_percent', unit: '%' },
  { name: 'memory/usage_bytes', unit: 'bytes' },
  { name: 'memory/usage_percent', unit: '%' },
  { name: 'host/memory/usage_bytes', unit: 'bytes' },
  { name: 'host/memory/usage_percent', unit: '%' },
  { name: 'disk/usage_bytes', unit: 'bytes' },
  { name: 'disk/utilization', unit: 'fraction' },
  { name: 'network/rx_bytes_per_s', unit: 'bytes/s' },
  { name: 'network/tx_bytes_per_s', unit: 'bytes/s' },
] as const;

/** Slot of each figure in `SYSTEM_FIGURES`. */
export const Slot = {
  jobCpuCores: 0,
  jobCpuPercent: 1,
  hostCpuCores: 2,
  hostCpuPercent: 3,
  jobMemoryBytes: 4,
  jobMemoryPercent: 5,
  hostMemoryBytes: 6,
  hostMemoryPercent: 7,
  diskBytes: 8,
  diskUtilization: 9,
  netRx: 10,
  netTx: 11,
} as const;

/** Raw readings taken at one instant; a part that could not be read is absent. */
export interface Snapshot {
  /** Monotonic milliseconds (for rates). */
  clock: number;
  cpu?: CpuTimes;
  memory?: MemInfo;
  /** The job tree: CPU ticks since the previous snapshot and resident bytes. */
  job?: { ticks: number; rssBytes: number };
  disk?: { usedBytes: number; utilization: number };
  net?: NetTotals;
}

/** Constants the figures need. */
export interface FigureLimits {
  /** CPUs the job may use (cgroup aware). */
  cpuCount: number;
  /** Bytes the job may use (cgroup aware). */
  memoryLimitBytes: number;
  /** Kernel clock ticks per second (`USER_HZ`). */
  clockTicks: number;
}

/**
 * Turns two consecutive snapshots into figures, calling `add(slot, value)` for each one that
 * can be computed. Rates need `previous`; a counter that went backwards (reset, interface
 * gone) gives no rate for that step and is reported through `backwards`.
 */
export function computeFigures(
  previous: Snapshot | undefined,
  current: Snapshot,
  limits: FigureLimits,
  add: (slot: number, value: number) => void,
  backwards: (what: string) => void = () => {},
): void {
  const seconds = previous === undefined ? 0 : (current.clock - previous.clock) / 1000;
  const { cpu, memory, job, disk, net } = current;

  if (cpu && previous?.cpu) {
    const total = cpu.total - previous.cpu.total;
    const busy = cpu.busy - previous.cpu.busy;
    if (total < 0 || busy < 0) backwards('host cpu ticks');
    else if (total > 0) {
      add(Slot.hostCpuCores, (busy / total) * cpu.cpus);
      add(Slot.hostCpuPercent, (busy / total) * 100);
    }
  }
  if (job && previous?.job && seconds > 0) {
    const cores = job.ticks / limits.clockTicks / seconds;
    add(Slot.jobCpuCores, cores);
    add(Slot.jobCpuPercent, (cores / limits.cpuCount) * 100);
  }
  if (job) {
    add(Slot.jobMemoryBytes, job.rssBytes);
    add(Slot.jobMemoryPercent, (job.rssBytes / limits.memoryLimitBytes) * 100);
  }
  if (memory) {
    const used = memory.totalBytes - memory.availableBytes;
    add(Slot.hostMemoryBytes, used);
    add(Slot.hostMemoryPercent, (used / memory.totalBytes) * 100);
  }
  if (disk) {
    add(Slot.diskBytes, disk.usedBytes);
    add(Slot.diskUtilization, disk.utilization);
  }
  if (net && previous?.net && seconds > 0) {
    const rx = net.rxBytes - previous.net.rxBytes;
    const tx = net.txBytes - previous.net.txBytes;
    if (rx < 0 || tx < 0) backwards('network byte counters');
    else {
      add(Slot.netRx, rx / seconds);
      add(Slot.netTx, tx / seconds);
    }
  }
}

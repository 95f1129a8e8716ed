import { existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { HostInfo } from '@trainscope/core';
import { parseCfsQuota, parseCgroupFile, parseCpuMax, parseMemoryLimit } from './parse-cgroup.js';
import { parseMeminfo } from './parse-meminfo.js';
import { parseProcStat } from './parse-proc-stat.js';
import type { Parsed } from './parsed.js';
import { readText } from './read-text.js';

/** Where host facts are read from. */
export interface HostInfoOptions {
  /** procfs mount. @default '/proc' */
  procRoot?: string;
  /** cgroup filesystem mount. @default '/sys/fs/cgroup' */
  cgroupRoot?: string;
}

/** The limits a job on this host runs under. */
export interface HostLimits {
  /** CPUs the job may use: online CPUs, lowered by CPU affinity and the cgroup CPU quota (may be fractional). */
  cpuCount: number;
  /** Bytes the job may use: physical memory, lowered by the cgroup memory limit. */
  memoryLimitBytes: number;
  /** CPUs online on the host. */
  hostCpus: number;
  /** Physical memory of the host in bytes. */
  hostMemoryBytes: number;
}

function value<T>(parsed: Parsed<T>): T | undefined {
  return parsed.ok ? parsed.value : undefined;
}

function readParsed<T>(path: string, parse: (text: string) => Parsed<T>): T | undefined {
  const read = readText(path, 64 * 1024);
  return read.ok ? value(parse(read.text)) : undefined;
}

/** Smallest limit found on the way from `dir` up to `root` (nested cgroups all apply). */
function minUpTree(root: string, dir: string, read: (dir: string) => number | undefined): number {
  let limit = Number.POSITIVE_INFINITY;
  let current = existsSync(dir) ? dir : root;
  for (;;) {
    const found = read(current);
    if (found !== undefined && found < limit) limit = found;
    if (current === root || current.length <= root.length) break;
    current = dirname(current);
  }
  return limit;
}

/** Reads the CPU and memory limits of this process's host and cgroup (v2, or v1 as a fallback). */
export function readHostLimits(options: HostInfoOptions = {}): HostLimits {
  const procRoot = options.procRoot ?? '/proc';
  const cgroupRoot = options.cgroupRoot ?? '/sys/fs/cgroup';
  const cpuTimes = readParsed(join(procRoot, 'stat'), parseProcStat);
  let hostCpus = cpuTimes?.cpus || 0;
  if (procRoot === '/proc')
    hostCpus = hostCpus > 0 ? Math.min(hostCpus, availableParallelism()) : availableParallelism();
  const meminfo = readParsed(join(procRoot, 'meminfo'), parseMeminfo);
  const hostMemoryBytes = meminfo?.totalBytes ?? Number.NaN;

  const paths = readParsed(join(procRoot, 'self', 'cgroup'), parseCgroupFile);
  let cpuQuota = Number.POSITIVE_INFINITY;
  let memoryLimit = Number.POSITIVE_INFINITY;
  if (paths?.unified !== undefined) {
    const dir = join(cgroupRoot, paths.unified);
    cpuQuota = minUpTree(cgroupRoot, dir, (d) => readParsed(join(d, 'cpu.max'), parseCpuMax));
    memoryLimit = minUpTree(cgroupRoot, dir, (d) => readParsed(join(d, 'memory.max'), parseMemoryLimit));
  }
  const cpuPath = paths?.v1.get('cpu');
  if (cpuQuota === Number.POSITIVE_INFINITY && cpuPath !== undefined) {
    const root = join(cgroupRoot, 'cpu');
    cpuQuota = minUpTree(root, join(root, cpuPath), (d) => {
      const quota = readText(join(d, 'cpu.cfs_quota_us'));
      const period = readText(join(d, 'cpu.cfs_period_us'));
      return quota.ok && period.ok ? value(parseCfsQuota(quota.text, period.text)) : undefined;
    });
  }
  const memoryPath = paths?.v1.get('memory');
  if (memoryLimit === Number.POSITIVE_INFINITY && memoryPath !== undefined) {
    const root = join(cgroupRoot, 'memory');
    memoryLimit = minUpTree(root, join(root, memoryPath), (d) =>
      readParsed(join(d, 'memory.limit_in_bytes'), parseMemoryLimit),
    );
  }
  return {
    cpuCount: Math.min(hostCpus, cpuQuota),
    memoryLimitBytes: Math.min(hostMemoryBytes, memoryLimit),
    hostCpus,
    hostMemoryBytes,
  };
}

/**
 * Host facts for the run (`Run.host`): hostname, CPUs and memory the job may use, honouring
 * cgroup v2 `cpu.max` / `memory.max` (and their v1 equivalents) when it runs in a container.
 * Facts that cannot be read are left out.
 */
export function readHostInfo(options: HostInfoOptions = {}): HostInfo {
  const limits = readHostLimits(options);
  const info: HostInfo = { hostname: hostname() };
  if (Number.isFinite(limits.cpuCount) && limits.cpuCount > 0) info.cpuCount = limits.cpuCount;
  if (Number.isFinite(limits.memoryLimitBytes)) info.memoryLimitBytes = limits.memoryLimitBytes;
  return info;
}

import { accept, counter, type Parsed, reject } from './parsed.js';

/** Where the process sits in each cgroup hierarchy, from `/proc/<pid>/cgroup`. */
export interface CgroupPaths {
  /** Path in the cgroup v2 (unified) hierarchy, when there is one. */
  unified?: string;
  /** cgroup v1 controller name -> path (`cpu`, `memory`, ...). */
  v1: Map<string, string>;
}

/** Parses `/proc/<pid>/cgroup` lines `id:controllers:path` (v2 is `0::/path`). */
export function parseCgroupFile(text: string): Parsed<CgroupPaths> {
  const result: CgroupPaths = { v1: new Map() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^(\d+):([^:]*):(\/.*)$/.exec(line);
    if (!match) return reject('malformed', `not "id:controllers:path": ${line}`);
    const [, id, controllers = '', path = '/'] = match;
    if (id === '0' && controllers === '') result.unified = path;
    else for (const c of controllers.split(',')) if (c) result.v1.set(c, path);
  }
  return accept(result);
}

/** Parses cgroup v2 `cpu.max` (`"max 100000"` or `"150000 100000"`) into CPUs (Infinity = no limit). */
export function parseCpuMax(text: string): Parsed<number> {
  const [quota, period, extra] = text.trim().split(/\s+/);
  const p = counter(period);
  if (extra !== undefined || Number.isNaN(p) || p === 0) return reject('malformed', `cpu.max: ${text}`);
  if (quota === 'max') return accept(Number.POSITIVE_INFINITY);
  const q = counter(quota);
  if (Number.isNaN(q) || q === 0) return reject('malformed', `cpu.max: ${text}`);
  return accept(q / p);
}

/** cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` into CPUs; quota -1 means no limit. */
export function parseCfsQuota(quotaText: string, periodText: string): Parsed<number> {
  const quota = quotaText.trim();
  if (quota === '-1') return accept(Number.POSITIVE_INFINITY);
  const q = counter(quota);
  const p = counter(periodText.trim());
  if (Number.isNaN(q) || Number.isNaN(p) || q === 0 || p === 0) {
    return reject('malformed', `cfs quota/period: ${quota}/${periodText.trim()}`);
  }
  return accept(q / p);
}

/** Limits at or above this are the kernel's "no limit" (v1 reports 2^63 rounded down to a page). */
const UNLIMITED_BYTES = 2 ** 60;

/** Parses cgroup v2 `memory.max` or v1 `memory.limit_in_bytes` into bytes (Infinity = no limit). */
export function parseMemoryLimit(text: string): Parsed<number> {
  const value = text.trim();
  if (value === 'max') return accept(Number.POSITIVE_INFINITY);
  const bytes = counter(value);
  if (Number.isNaN(bytes)) return reject('malformed', `memory limit: ${value}`);
  return accept(bytes >= UNLIMITED_BYTES ? Number.POSITIVE_INFINITY : bytes);
}

import { accept, counter, type Parsed, reject } from './parsed.js';

/** Aggregate CPU time of the host from `/proc/stat`, in clock ticks. */
export interface CpuTimes {
  /** Ticks spent not idle (user, nice, system, irq, softirq, steal). */
  busy: number;
  /** All ticks (busy plus idle and iowait). */
  total: number;
  /** Number of `cpuN` lines: CPUs online. */
  cpus: number;
}

/**
 * Parses `/proc/stat`. Guest time is already inside user/nice, so it is not added again;
 * iowait counts as idle.
 */
export function parseProcStat(text: string): Parsed<CpuTimes> {
  const newline = text.indexOf('\n');
  const first = newline < 0 ? text : text.slice(0, newline);
  if (!first.startsWith('cpu ')) return reject('malformed', `first line is not the cpu total: ${first}`);
  const fields = first.slice(4).trim().split(/\s+/).map(counter);
  if (fields.length < 4 || fields.some(Number.isNaN)) {
    return reject('malformed', `cpu line has non-numeric or too few fields: ${first}`);
  }
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  if (!Number.isFinite(total)) return reject('non_finite', `cpu line sums to ${total}`);
  let cpus = 0;
  for (let at = text.indexOf('\ncpu'); at >= 0; at = text.indexOf('\ncpu', at + 4)) {
    const c = text.charCodeAt(at + 4);
    if (c >= 48 && c <= 57) cpus++;
  }
  return accept({ busy: total - idleAll, total, cpus });
}

import { accept, counter, type Parsed, reject } from './parsed.js';

/** The parts of `/proc/<pid>/stat` the sampler uses. */
export interface PidStat {
  /** Process state letter (`R`, `S`, `Z`, ...). */
  state: string;
  ppid: number;
  /** User plus system CPU time of the process (all its threads), in clock ticks. */
  ticks: number;
  /** Start time after boot, in clock ticks (tells a reused pid from the process seen before). */
  startTicks: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * Parses `/proc/<pid>/stat`. The command name sits in parentheses and may itself hold spaces and
 * parentheses, so fields are counted from the last `)`.
 */
export function parsePidStat(text: string): Parsed<PidStat> {
  const close = text.lastIndexOf(')');
  if (close < 0 || text.indexOf('(') < 0) return reject('malformed', `no "(comm)" in ${text}`);
  // Fields after the command name start at field 3 (state); field k is fields[k - 3].
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (fields.length < 22) return reject('malformed', `only ${fields.length + 2} fields in ${text}`);
  const state = fields[0] as string;
  const ppid = counter(fields[1]);
  const utime = counter(fields[11]);
  const stime = counter(fields[12]);
  const startTicks = counter(fields[19]);
  const rssPages = counter(fields[21]);
  if (!/^[A-Za-z]$/.test(state) || [ppid, utime, stime, startTicks, rssPages].some(Number.isNaN)) {
    return reject('malformed', `non-numeric state/ppid/utime/stime/starttime/rss in ${text}`);
  }
  return accept({ state, ppid, ticks: utime + stime, startTicks, rssPages });
}

/** Parses a `/proc/<pid>/task/<tid>/children` file: pids separated by spaces. */
export function parseChildren(text: string): Parsed<number[]> {
  const trimmed = text.trim();
  if (trimmed === '') return accept([]);
  const pids = trimmed.split(/\s+/).map(counter);
  if (pids.some((pid) => Number.isNaN(pid) || pid < 1 || pid > 0x3fffffff)) {
    return reject('malformed', `not a list of pids: ${trimmed}`);
  }
  return accept(pids);
}

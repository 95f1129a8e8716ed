import { accept, counter, type Parsed, reject } from './parsed.js';

/** Host memory from `/proc/meminfo`, in bytes. */
export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
}

/**
 * Parses `/proc/meminfo`. Kernels before 3.14 have no `MemAvailable`; then free + buffers +
 * cached stands in for it.
 */
export function parseMeminfo(text: string): Parsed<MemInfo> {
  const total = kib(text, 'MemTotal');
  if (total === undefined || Number.isNaN(total)) return reject('malformed', 'no numeric MemTotal line');
  let available = kib(text, 'MemAvailable');
  if (available === undefined) {
    const parts = [kib(text, 'MemFree'), kib(text, 'Buffers'), kib(text, 'Cached')];
    if (parts.some((p) => p === undefined))
      return reject('malformed', 'neither MemAvailable nor MemFree/Buffers/Cached');
    available = parts.reduce<number>((sum, p) => sum + (p as number), 0);
  }
  if (Number.isNaN(available)) return reject('malformed', 'MemAvailable is not a number');
  if (available > total) return reject('out_of_range', `MemAvailable ${available} kB exceeds MemTotal ${total} kB`);
  return accept({ totalBytes: total * 1024, availableBytes: available * 1024 });
}

/**
 * The value of line `key:` in kB: undefined when there is no such line, NaN when its value is
 * not a whole number. Looks up only the keys it needs (meminfo has 50-odd lines, read 10x a second).
 */
function kib(text: string, key: string): number | undefined {
  let start = 0;
  if (!text.startsWith(`${key}:`)) {
    const at = text.indexOf(`\n${key}:`);
    if (at < 0) return undefined;
    start = at + 1;
  }
  const end = text.indexOf('\n', start);
  const line = text.slice(start + key.length + 1, end < 0 ? text.length : end);
  const match = /^\s*(\S+)(?:\s+kB)?\s*$/.exec(line);
  return match ? counter(match[1]) : Number.NaN;
}

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
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\S+)(?:\s+kB)?\s*$/.exec(line);
    if (match) kib.set(match[1] as string, counter(match[2]));
  }
  const total = kib.get('MemTotal');
  if (total === undefined || Number.isNaN(total)) return reject('malformed', 'no numeric MemTotal line');
  let available = kib.get('MemAvailable');
  if (available === undefined) {
    const parts = [kib.get('MemFree'), kib.get('Buffers'), kib.get('Cached')];
    if (parts.some((p) => p === undefined))
      return reject('malformed', 'neither MemAvailable nor MemFree/Buffers/Cached');
    available = parts.reduce<number>((sum, p) => sum + (p as number), 0);
  }
  if (Number.isNaN(available)) return reject('malformed', 'MemAvailable is not a number');
  if (available > total) return reject('out_of_range', `MemAvailable ${available} kB exceeds MemTotal ${total} kB`);
  return accept({ totalBytes: total * 1024, availableBytes: available * 1024 });
}

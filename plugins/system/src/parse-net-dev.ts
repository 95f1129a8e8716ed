import { accept, counter, type Parsed, reject } from './parsed.js';

/** Bytes received and sent over all interfaces but loopback, since boot. */
export interface NetTotals {
  rxBytes: number;
  txBytes: number;
  interfaces: number;
}

/** Parses `/proc/net/dev` (two header lines, then `iface: 8 receive and 8 transmit counters`). */
export function parseNetDev(text: string): Parsed<NetTotals> {
  const lines = text.split('\n');
  if (!(lines[0] ?? '').includes('|') || !(lines[1] ?? '').includes('|')) {
    return reject('malformed', `missing the two header lines: ${lines[0] ?? ''}`);
  }
  let rxBytes = 0;
  let txBytes = 0;
  let interfaces = 0;
  for (const line of lines.slice(2)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) return reject('malformed', `interface line without ":": ${line}`);
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const rx = counter(fields[0]);
    const tx = counter(fields[8]);
    if (fields.length < 16 || Number.isNaN(rx) || Number.isNaN(tx)) return reject('malformed', `bad counters: ${line}`);
    if (name === 'lo') continue;
    rxBytes += rx;
    txBytes += tx;
    interfaces++;
  }
  return accept({ rxBytes, txBytes, interfaces });
}

import { createReadStream } from 'node:fs';

/**
 * Whether any line of the file is longer than `maxBytes` (a byte scan for newlines, far cheaper
 * than parsing; stops at the first such line).
 */
export async function hasLineLongerThan(path: string, maxBytes: number): Promise<boolean> {
  let current = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      if (current + nl - start > maxBytes) return true;
      current = 0;
      start = nl + 1;
    }
    current += buf.length - start;
    if (current > maxBytes) return true;
  }
  return false;
}

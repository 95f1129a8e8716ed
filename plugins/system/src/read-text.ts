import { closeSync, openSync, readSync } from 'node:fs';

/** Largest /proc or cgroup file read; `/proc/stat` on a 256-core host is well under this. */
export const MAX_TEXT_BYTES = 1 << 20;

let scratch = Buffer.allocUnsafe(64 * 1024);

/** What `readText` found: the text, or why there is none. */
export type ReadTextResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' | 'unreadable' | 'oversized' | 'binary'; detail: string };

/**
 * Reads a small kernel text file (procfs, cgroupfs) into a string through one reused buffer.
 * Refuses files over `maxBytes` and files holding NUL bytes (not text), instead of throwing.
 */
export function readText(path: string, maxBytes = MAX_TEXT_BYTES): ReadTextResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ESRCH' ? 'missing' : 'unreadable';
    return { ok: false, reason, detail: `${path}: ${code ?? String(error)}` };
  }
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        if (scratch.length >= maxBytes + 1) break;
        const grown = Buffer.allocUnsafe(Math.min(scratch.length * 2, maxBytes + 1));
        scratch.copy(grown, 0, 0, length);
        scratch = grown;
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) break;
    }
    if (length > maxBytes) return { ok: false, reason: 'oversized', detail: `${path}: over ${maxBytes} bytes` };
    if (scratch.subarray(0, length).includes(0)) {
      return { ok: false, reason: 'binary', detail: `${path}: holds NUL bytes` };
    }
    return { ok: true, text: scratch.toString('utf8', 0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ESRCH' || code === 'ENOENT' ? 'missing' : 'unreadable';
    return { ok: false, reason, detail: `${path}: ${code ?? String(error)}` };
  } finally {
    closeSync(fd);
  }
}

/** Reads at most the first `bytes` bytes of a file (for big files whose head is enough). */
export function readHead(path: string, bytes: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.allocUnsafe(bytes);
    const n = readSync(fd, buffer, 0, bytes, null);
    return buffer.toString('utf8', 0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

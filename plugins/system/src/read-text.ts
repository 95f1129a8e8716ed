import { closeSync, openSync, readSync } from 'node:fs';

/** Largest /proc or cgroup file read; `/proc/stat` on a 256-core host is well under this. */
export const MAX_TEXT_BYTES = 1 << 20;

let scratch = Buffer.allocUnsafe(64 * 1024);

/** What `readText` found: the text, or why there is none. */
export type ReadTextResult =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' | 'unreadable' | 'oversized' | 'binary'; detail: string };

function failure(path: string, error: unknown): ReadTextResult {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' || code === 'ESRCH' ? 'missing' : 'unreadable';
  return { ok: false, reason, detail: `${path}: ${code ?? String(error)}` };
}

/** Reads an open file from offset 0 to its end through the reused buffer (throws on I/O errors). */
function readAll(fd: number, path: string, maxBytes: number): ReadTextResult {
  let length = 0;
  for (;;) {
    if (length === scratch.length) {
      if (scratch.length >= maxBytes + 1) break;
      const grown = Buffer.allocUnsafe(Math.min(scratch.length * 2, maxBytes + 1));
      scratch.copy(grown, 0, 0, length);
      scratch = grown;
    }
    const n = readSync(fd, scratch, length, scratch.length - length, length);
    if (n === 0) break;
    length += n;
    if (length > maxBytes) break;
  }
  if (length > maxBytes) return { ok: false, reason: 'oversized', detail: `${path}: over ${maxBytes} bytes` };
  if (scratch.subarray(0, length).includes(0))
    return { ok: false, reason: 'binary', detail: `${path}: holds NUL bytes` };
  return { ok: true, text: scratch.toString('utf8', 0, length) };
}

/**
 * Reads a small kernel text file (procfs, cgroupfs) into a string through one reused buffer.
 * Refuses files over `maxBytes` and files holding NUL bytes (not text), instead of throwing.
 */
export function readText(path: string, maxBytes = MAX_TEXT_BYTES): ReadTextResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return failure(path, error);
  }
  try {
    return readAll(fd, path, maxBytes);
  } catch (error) {
    return failure(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * A kernel file read again and again (`/proc/stat` ten times a second): kept open and re-read
 * from offset 0, which makes procfs generate it afresh, saving an open and a close per read.
 * On an error the file is closed and opened again on the next read.
 */
export class ProcFile {
  readonly path: string;
  readonly #maxBytes: number;
  #fd: number | undefined;

  constructor(path: string, maxBytes = MAX_TEXT_BYTES) {
    this.path = path;
    this.#maxBytes = maxBytes;
  }

  /** The file's current text, or why there is none. */
  read(): ReadTextResult {
    try {
      this.#fd ??= openSync(this.path, 'r');
      return readAll(this.#fd, this.path, this.#maxBytes);
    } catch (error) {
      this.close();
      return failure(this.path, error);
    }
  }

  /** Closes the file (a later `read()` opens it again). */
  close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
    this.#fd = undefined;
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

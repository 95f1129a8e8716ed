import { statSync } from 'node:fs';

/** A running `watchFileSize`. */
export interface FileSizeWatch {
  /** Stops watching; safe to call more than once. */
  stop(): void;
}

/**
 * Reports the size of a file another writer is growing (DuckDB's COPY, which tells no one how far
 * it got), every `intervalMs` while the file exists. The timer never keeps the process alive.
 * @param intervalMs @default 200
 */
export function watchFileSize(path: string, onSize: (bytes: number) => void, intervalMs = 200): FileSizeWatch {
  let last = -1;
  const timer = setInterval(() => {
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size !== undefined && size !== last) {
      last = size;
      onSize(size);
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

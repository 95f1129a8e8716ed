import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Where a tail stopped: enough to resume the same file without reading a line twice. */
export interface TailState {
  /** Device and inode of the file read; a different pair means the path was rotated. */
  dev: number;
  ino: number;
  /** Byte offset just past the last complete line handed over. */
  offset: number;
  /** Lines read before `offset` (for line numbers in reports). */
  line: number;
  /** Base64 of the file's first bytes (up to 64), to tell a rewritten file from the same one. */
  head: string;
}

/** Reads a state file; `undefined` when it is missing or unreadable (the tail then starts afresh). */
export function readTailState(file: string): TailState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<TailState>;
    const numbers = [v.dev, v.ino, v.offset, v.line].every(
      (n) => typeof n === 'number' && Number.isFinite(n) && n >= 0,
    );
    if (!numbers || typeof v.head !== 'string') return undefined;
    return v as TailState;
  } catch {
    return undefined;
  }
}

/** Writes a state file atomically (temp file, then rename), so a crash never leaves half of one. */
export function writeTailState(file: string, state: TailState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, file);
}

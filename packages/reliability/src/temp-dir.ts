import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the OS temp dir, removed with `remove()`. */
export interface TempDir {
  readonly path: string;
  remove(): void;
}

/** Makes a temp dir named `trainscope-<label>-XXXXXX`. */
export function makeTempDir(label: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `trainscope-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

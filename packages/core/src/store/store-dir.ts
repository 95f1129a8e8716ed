import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreLockedError, StoreUnwritableError } from '../errors.js';

/** Name of the database file inside a store directory. */
export const DB_FILE = 'trainscope.duckdb';
/** Name of the owner file: pid and, once a server runs, its URL. */
export const OWNER_FILE = 'owner.json';

/**
 * Resolves the store directory: the explicit option, else `TRAINSCOPE_DIR`, else `./.trainscope`.
 */
export function resolveStoreDir(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dir ?? env['TRAINSCOPE_DIR'] ?? '.trainscope');
}

/** What the owner file says. */
export interface OwnerInfo {
  pid: number;
  startedAt: number;
  /** Base URL of the owner's HTTP API, when it serves one. */
  url?: string;
}

/** Reads the owner file; undefined when absent or unreadable. */
export function readOwner(dir: string): OwnerInfo | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Partial<OwnerInfo>;
    return typeof parsed.pid === 'number' ? (parsed as OwnerInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates the directory if needed and takes ownership: writes the owner file exclusively, or
 * replaces it when the recorded owner is dead. Throws `StoreLockedError` when a live process owns
 * the store, `StoreUnwritableError` when the directory cannot be written.
 */
export function acquireOwnership(dir: string): OwnerInfo {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new StoreUnwritableError(dir, { cause });
  }
  const file = join(dir, OWNER_FILE);
  const info: OwnerInfo = { pid: process.pid, startedAt: Date.now() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(info));
      } finally {
        closeSync(fd);
      }
      return info;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new StoreUnwritableError(dir, { cause });
      const owner = readOwner(dir);
      if (owner && owner.pid !== process.pid && processAlive(owner.pid)) {
        throw new StoreLockedError(dir, owner.pid);
      }
      // Stale owner file (dead process, or our own from an unclosed store): replace it.
      rmSync(file, { force: true });
    }
  }
  throw new StoreLockedError(dir, readOwner(dir)?.pid);
}

/** Updates the owner file (for example with the server URL); only the owner calls this. */
export function updateOwner(dir: string, info: OwnerInfo): void {
  const tmp = join(dir, `${OWNER_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(info));
  // rename is atomic: readers see the old or the new file, never half of one.
  renameSync(tmp, join(dir, OWNER_FILE));
}

/** Gives up ownership if this process holds it. */
export function releaseOwnership(dir: string): void {
  const owner = readOwner(dir);
  if (owner?.pid === process.pid) rmSync(join(dir, OWNER_FILE), { force: true });
}

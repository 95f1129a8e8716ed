import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A small tmpfs mounted for a test: fill it up, free it, flip it read-only and back. */
export interface SmallFs {
  readonly path: string;
  /** Writes a filler file until the filesystem is full; returns the bytes written. */
  fill(): number;
  /** Removes the filler file. */
  free(): void;
  /** Remounts read-only (as root, chmod does not stop writes; a read-only mount does). */
  readOnly(): void;
  /** Remounts read-write. */
  writable(): void;
  unmount(): void;
}

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN); tests that need one skip otherwise. */
export function canMountTmpfs(probeDir: string): boolean {
  try {
    mkdirSync(probeDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probeDir], { stdio: 'ignore' });
    execFileSync('umount', [probeDir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Mounts a tmpfs of `sizeMiB` at `dir`. */
export function mountSmallFs(dir: string, sizeMiB: number): SmallFs {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  return {
    path: dir,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(1 << 16, 1);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, block);
      } catch {
        // ENOSPC: full
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free: () => rmSync(filler, { force: true }),
    readOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir]),
    writable: () => execFileSync('mount', ['-o', 'remount,rw', dir]),
    unmount: () => execFileSync('umount', ['-l', dir]),
  };
}

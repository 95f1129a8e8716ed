import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE } from '../src/index.js';
import { readRows as rows, tempDir } from './helpers.js';

const NOBODY = 65534;

/** Root ignores directory permissions, so the owner runs as `nobody`; needs root and setpriv. */
function canDropToNobody(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'true']);
    return true;
  } catch {
    return false;
  }
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe.skipIf(!canDropToNobody())('the store directory turns read-only mid-run (chmod, owner not root)', () => {
  // A filesystem cannot be remounted read-only under a file open for writing (EBUSY, tmpfs and
  // bind mounts alike), so the directory loses its write permission instead. DuckDB then fails
  // at the checkpoint that removes its log, after the flush committed, and gives up on the
  // database; the store reopens it once the directory is writable and reconciles what is pending.
  it('reports the error, holds the points, resumes when writable, and stores each point once', async () => {
    const base = tempDir();
    chmodSync(base, 0o755);
    const dir = join(base, 'store');
    mkdirSync(dir);
    chownSync(dir, NOBODY, NOBODY);
    const script = fileURLToPath(new URL('./fixtures/ingest-until-stopped.ts', import.meta.url));
    const child = spawn(
      'setpriv',
      [
        ...['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups'],
        ...[process.execPath, '--conditions=development', '--import', 'tsx', script, dir],
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    const lines: string[] = [];
    const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.test(line)) w.resolve(line);
        else waiters.push(w);
      }
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const next = (test: (l: string) => boolean, boundMs: number) =>
      new Promise<string | null>((resolve) => {
        const seen = lines.find(test);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => resolve(null), boundMs);
        waiters.push({
          test,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    expect(await next((l) => l.startsWith('committed'), 60_000)).not.toBeNull();
    chmodSync(dir, 0o555);
    // The failure comes at the next checkpoint (the log past 16 MiB): a bound, not a measurement.
    const error = await next((l) => l.startsWith('error'), 90_000);
    chmodSync(dir, 0o755);
    expect(error).toMatch(/Permission denied/);
    expect(error).toContain(dir);
    expect(await next((l) => l === 'resumed', 60_000)).toBe('resumed');
    child.stdin?.end();
    const final = await next((l) => l.startsWith('final'), 60_000);
    await exited;
    const [accepted, committed] = (final ?? '').split(' ').slice(1).map(Number);
    expect(committed).toBe(accepted);
    const file = join(dir, DB_FILE);
    expect(
      await rows(
        file,
        'SELECT count(*), count(DISTINCT n), max(n) + 1, sum(CASE WHEN x = n THEN 0 ELSE 1 END) FROM points',
      ),
    ).toEqual([[accepted, accepted, accepted, 0]]);
    expect(await rows(file, 'SELECT count FROM series_stats')).toEqual([[accepted]]);
    expect(await rows(file, 'SELECT sum(cnt) FROM agg0')).toEqual([[accepted]]);
  }, 300_000);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcFile, readText } from '../src/read-text.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(text: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainscope-read-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'f'), text);
  return join(dir, 'f');
}

describe('readText', () => {
  it('reads text, and refuses missing, oversized and binary files with a reason', () => {
    expect(readText(file('cpu  1 2 3 4\n'))).toEqual({ ok: true, text: 'cpu  1 2 3 4\n' });
    expect(readText('/nonexistent/stat')).toMatchObject({ ok: false, reason: 'missing' });
    expect(readText(file('x'.repeat(200 * 1024)), 100 * 1024)).toMatchObject({ ok: false, reason: 'oversized' });
    expect(readText(file(Buffer.from([0x63, 0x70, 0x75, 0, 0xff])))).toMatchObject({ ok: false, reason: 'binary' });
    expect(readText('/proc/self/stat')).toMatchObject({ ok: true });
  });
});

describe('ProcFile', () => {
  it('sees each new state of the file it keeps open, and recovers after the file was missing', () => {
    const path = file('one\n');
    const kept = new ProcFile(path);
    expect(kept.read()).toEqual({ ok: true, text: 'one\n' });
    writeFileSync(path, 'two, longer\n');
    expect(kept.read()).toEqual({ ok: true, text: 'two, longer\n' });
    kept.close();
    const later = new ProcFile(`${path}.later`);
    expect(later.read()).toMatchObject({ ok: false, reason: 'missing' });
    writeFileSync(`${path}.later`, 'here now\n');
    expect(later.read()).toEqual({ ok: true, text: 'here now\n' });
    later.close();
  });

  it('follows procfs: /proc/stat re-read from offset 0 moves on', async () => {
    const stat = new ProcFile('/proc/stat');
    const first = stat.read();
    const end = Date.now() + 50;
    while (Date.now() < end) {
      // burn CPU so the counters move
    }
    const second = stat.read();
    stat.close();
    expect(first.ok && second.ok).toBe(true);
    if (first.ok && second.ok) expect(second.text.split('\n')[0]).not.toBe(first.text.split('\n')[0]);
  });
});

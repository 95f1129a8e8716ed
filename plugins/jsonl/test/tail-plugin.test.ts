import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonlTailPlugin, readTailState } from '../src/index.js';
import { recordingContext, sameNumbers } from './helpers/recording-sink.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainscope-jsonl-tail-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const line = (step: number, extra = '') => `{"step": ${step}, "loss": ${1 / (step + 1)}${extra}}\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(from + i)).join('');

async function started(path: string, options: Partial<Parameters<typeof jsonlTailPlugin>[0]> = {}) {
  const { context, sink, controller } = recordingContext();
  const plugin = jsonlTailPlugin({ path, pollIntervalMs: 20, ...options });
  await plugin.start(context);
  return { plugin, sink, controller };
}

describe('jsonlTailPlugin', () => {
  it('reads what the file holds, then what is appended; a line is taken only once it is complete', async () => {
    const path = join(tempDir(), 'train.jsonl');
    writeFileSync(path, lines(0, 3));
    const { plugin, sink } = await started(path);
    expect(sink.get('loss').x).toEqual([0, 1, 2]);
    appendFileSync(path, '{"step": 3, "lo');
    await plugin.poll();
    expect(sink.get('loss').x).toEqual([0, 1, 2]);
    appendFileSync(path, 'ss": 0.25}\n');
    await plugin.poll();
    expect(sink.get('loss').x).toEqual([0, 1, 2, 3]);
    expect(sink.get('loss').value.at(-1)).toBe(0.25);
    await plugin.stop();
    expect(plugin.stats()).toMatchObject({ lines: 4, records: 4, points: 4 });
  });

  it('resumes from its saved byte offset after a restart without repeating a point', async () => {
    const path = join(tempDir(), 'train.jsonl');
    writeFileSync(path, lines(0, 5));
    const first = await started(path);
    await first.plugin.stop();
    expect(readTailState(`${path}.trainscope-offset`)?.offset).toBe(Buffer.byteLength(lines(0, 5)));
    appendFileSync(path, lines(5, 8));
    const second = await started(path);
    await second.plugin.stop();
    expect(first.sink.get('loss').x).toEqual([0, 1, 2, 3, 4]);
    expect(second.sink.get('loss').x).toEqual([5, 6, 7]);
    // Line numbers carry on across the restart.
    appendFileSync(path, 'oops\n');
    const third = await started(path);
    await third.plugin.stop();
    expect(third.sink.rejections()).toEqual(['9: malformed']);
  });

  it('reads all of a file that replaced the one it was reading while it was stopped', async () => {
    const dir = tempDir();
    const path = join(dir, 'train.jsonl');
    writeFileSync(path, lines(0, 3));
    const first = await started(path);
    await first.plugin.stop();
    renameSync(path, join(dir, 'train.jsonl.1'));
    writeFileSync(path, lines(10, 20));
    const second = await started(path, { fromEnd: true });
    await second.plugin.stop();
    expect(second.sink.get('loss').x).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });

  it('starts again from the top when the file is truncated', async () => {
    const path = join(tempDir(), 'train.jsonl');
    writeFileSync(path, lines(0, 4));
    const { plugin, sink } = await started(path);
    truncateSync(path, 0);
    appendFileSync(path, lines(100, 102));
    await plugin.poll();
    await plugin.stop();
    expect(sink.get('loss').x).toEqual([0, 1, 2, 3, 100, 101]);
    expect(sink.logs.some((l) => l.text.includes('truncated'))).toBe(true);
  });

  it('notices a file rewritten in place to a longer one (same inode, new first bytes)', async () => {
    const path = join(tempDir(), 'train.jsonl');
    writeFileSync(path, lines(0, 2));
    const { plugin, sink } = await started(path);
    writeFileSync(path, lines(50, 60));
    await plugin.poll();
    await plugin.stop();
    expect(sink.get('loss').x).toEqual([0, 1, ...Array.from({ length: 10 }, (_, i) => 50 + i)]);
  });

  it('follows rotation: finishes the old file, then reads the new one from its start', async () => {
    const dir = tempDir();
    const path = join(dir, 'train.jsonl');
    writeFileSync(path, lines(0, 2));
    const { plugin, sink } = await started(path);
    appendFileSync(path, line(2));
    renameSync(path, join(dir, 'train.jsonl.1'));
    appendFileSync(join(dir, 'train.jsonl.1'), line(3));
    writeFileSync(path, lines(4, 6));
    await plugin.poll();
    await plugin.stop();
    expect(sink.get('loss').x).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sink.logs.some((l) => l.text.includes('rotated'))).toBe(true);
  });

  it('counts and reports bad lines with their file and line numbers and keeps going', async () => {
    const path = join(tempDir(), 'train.jsonl');
    const big = `{"step": 3, "blob": "${'x'.repeat(2000)}"}\n`;
    writeFileSync(
      path,
      `${line(0)}{"step": 1, "loss": \n[1, 2]\n${big}\u0000\u0001 junk\n{"step": NaN, "loss": 5}\n{"step": 6, "loss": NaN}\n`,
    );
    const { plugin, sink } = await started(path, { maxLineBytes: 1024 });
    await plugin.stop();
    expect(sink.rejections()).toEqual([
      '2: malformed',
      '3: not_object',
      '4: oversized',
      '5: binary',
      '6: non_finite_x',
    ]);
    expect(sink.reports()[0]).toBe(`${path}:2: malformed`);
    expect(plugin.stats().rejected).toEqual({ malformed: 1, not_object: 1, oversized: 1, binary: 1, non_finite_x: 1 });
    const loss = sink.get('loss');
    expect(sameNumbers(loss.x, [0, Number.NaN, 6])).toBe(true);
    expect(sameNumbers(loss.value, [1, 5, Number.NaN])).toBe(true);
    expect(sink.logs.at(-1)?.text).toContain('rejected malformed 1');
  });

  it('waits for a file that does not exist yet', async () => {
    const path = join(tempDir(), 'later.jsonl');
    const { plugin, sink } = await started(path);
    expect(sink.pointCount).toBe(0);
    writeFileSync(path, lines(0, 2));
    await plugin.poll();
    await plugin.stop();
    expect(sink.get('loss').x).toEqual([0, 1]);
  });

  it('picks up lines a separate process appends, through file events or polling', async () => {
    const path = join(tempDir(), 'child.jsonl');
    const { plugin, sink } = await started(path, { prefix: 'child' });
    const script = `
      const fs = require('node:fs');
      let step = 0;
      const t = setInterval(() => {
        fs.appendFileSync(${JSON.stringify(path)}, JSON.stringify({ step, train: { loss: 1 / (step + 1) }, timestamp: 1700000000 + step }) + '\\n');
        if (++step === 20) clearInterval(t);
      }, 5);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 200 && sink.pointCount < 20; i++) await new Promise((r) => setTimeout(r, 25));
    await plugin.stop();
    const loss = sink.get('child/train/loss');
    expect(loss.x).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(loss.time[3]).toBe(1_700_000_003_000);
    expect(readFileSync(`${path}.trainscope-offset`, 'utf8')).toContain('"offset"');
  });

  it('follows an ml-dash metric file while ml-dash writes it: data fields, createdAt time, value named by the prefix', async () => {
    const source = fileURLToPath(
      new URL('fixtures/mldash/cv/resnet-baseline/metrics/train_loss/data.jsonl', import.meta.url),
    );
    const text = readFileSync(source, 'utf8').split('\n');
    const path = join(tempDir(), 'data.jsonl');
    writeFileSync(path, `${text.slice(0, 100).join('\n')}\n`);
    const { plugin, sink } = await started(path, { prefix: 'train_loss' });
    appendFileSync(path, `${text.slice(100, 250).join('\n')}\n`);
    await plugin.poll();
    await plugin.stop();
    const loss = sink.get('train_loss');
    expect(loss.x).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(loss.value[17]).toBeNaN();
    expect(loss.time[0]).toBe(Date.UTC(2024, 0, 15, 10, 30) + 3.014);
    expect(sink.get('train_loss/epoch').value.at(-1)).toBe(2);
    expect([...sink.byName().keys()].sort()).toEqual(['train_loss', 'train_loss/epoch']);
  });

  it('with fromEnd, a first start skips what the file holds and numbers lines from there', async () => {
    const path = join(tempDir(), 'train.jsonl');
    writeFileSync(path, lines(0, 3));
    const { plugin, sink } = await started(path, { fromEnd: true });
    appendFileSync(path, `${line(3)}bad\n`);
    await plugin.poll();
    await plugin.stop();
    expect(sink.get('loss').x).toEqual([3]);
    expect(sink.rejections()).toEqual(['5: malformed']);
  });

  it('stops when the run aborts', async () => {
    const path = join(tempDir(), 'abort.jsonl');
    writeFileSync(path, lines(0, 1));
    const { plugin, controller } = await started(path);
    controller.abort();
    await plugin.stop();
    appendFileSync(path, lines(1, 3));
    await plugin.poll();
    expect(plugin.stats().records).toBe(1);
  });
});

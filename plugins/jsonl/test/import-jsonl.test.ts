import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckdbRefusedError, importJsonlFile, importJsonlWithDuckdb, importJsonlWithJs } from '../src/index.js';
import { RecordingSink, sameNumbers } from './helpers/recording-sink.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/jsonl/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'trainscope-jsonl-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TIME = 1_700_000_000_000;

/** Each series' points in file order, NaN kept, for comparing the two engines. */
function snapshot(sink: RecordingSink) {
  return Object.fromEntries(
    [...sink.byName()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, s]) => [name, { x: s.x, time: s.time, value: s.value }]),
  );
}

describe('importJsonlFile', () => {
  it('maps a training log: numeric fields to series, step to x, timestamp to wall time, groups to names', async () => {
    const sink = new RecordingSink();
    const result = await importJsonlWithJs(fixture('train.jsonl'), sink, { time: TIME });
    expect(result).toMatchObject({ engine: 'js', records: 200, rejected: {} });
    expect([...sink.byName().keys()].sort()).toEqual(['epoch', 'loss', 'train/acc', 'train/grad_norm', 'val_loss']);
    const loss = sink.get('loss');
    expect(loss.x.slice(0, 3)).toEqual([0, 1, 2]);
    expect(loss.value[30]).toBeNaN();
    expect(loss.time[2]).toBe(1_705_314_601_000);
    expect(sink.get('val_loss').x).toEqual([24, 49, 74, 99, 124, 149, 174, 199]);
    expect(sink.get('epoch').value.at(-1)).toBe(3);
    expect(sink.logs.map((l) => l.text)).toEqual([
      `jsonl: ${fixture('train.jsonl')}:1: field "phase" is not a number; it is skipped wherever it appears`,
    ]);
  });

  it('DuckDB read_json gives exactly the points the JS parser gives', async () => {
    const js = new RecordingSink();
    const duck = new RecordingSink();
    await importJsonlWithJs(fixture('train.jsonl'), js, { time: TIME });
    const result = await importJsonlWithDuckdb(fixture('train.jsonl'), duck, { time: TIME, threads: 1 });
    expect(result).toMatchObject({ engine: 'duckdb', records: 200, points: js.pointCount });
    const a = snapshot(js);
    const b = snapshot(duck);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const name of Object.keys(a)) {
      const [sa, sb] = [a[name], b[name]];
      expect(sameNumbers(sa?.value ?? [], sb?.value ?? []), name).toBe(true);
      expect(sameNumbers(sa?.x ?? [], sb?.x ?? []), name).toBe(true);
      expect(sameNumbers(sa?.time ?? [], sb?.time ?? []), name).toBe(true);
    }
  });

  it('reports every bad line with its file and line number; with DuckDB asked for, the JS parser takes over', async () => {
    for (const engine of ['js', 'duckdb'] as const) {
      const sink = new RecordingSink();
      const result = await importJsonlFile(fixture('train-messy.jsonl'), sink, { engine, time: TIME });
      expect(result.engine).toBe('js');
      expect(result.rejected).toEqual({ malformed: 2, non_finite_x: 1 });
      expect(sink.rejections()).toEqual(['12: malformed', '23: malformed', '44: non_finite_x']);
      const file = fixture('train-messy.jsonl');
      expect(sink.reports()).toEqual([`${file}:12: malformed`, `${file}:23: malformed`, `${file}:44: non_finite_x`]);
      if (engine === 'duckdb') expect(result.fallbackReason).toMatch(/Malformed JSON|malformed/i);
      expect(sink.get('loss').value).toHaveLength(61);
    }
  });

  it('DuckDB refuses without touching the sink, so nothing is imported twice', async () => {
    const sink = new RecordingSink();
    await expect(importJsonlWithDuckdb(fixture('train-messy.jsonl'), sink, { time: TIME })).rejects.toBeInstanceOf(
      DuckdbRefusedError,
    );
    expect(sink.pointCount).toBe(0);
    expect(sink.defs).toEqual([]);
  });

  it('DuckDB finds a key that first appears after its schema sample', async () => {
    const path = join(dir, 'late-key.jsonl');
    const rows = Array.from({ length: 25_000 }, (_, i) => `{"step": ${i}, "loss": ${i + 0.5}}`);
    rows.push('{"step": 25000, "loss": 0.5, "test_acc": 0.9}');
    writeFileSync(path, `${rows.join('\n')}\n`);
    const sink = new RecordingSink();
    const result = await importJsonlWithDuckdb(path, sink, { time: TIME });
    expect(result.records).toBe(25_001);
    expect(sink.get('test_acc')).toMatchObject({ x: [25_000], value: [0.9] });
    expect(sink.get('loss').value).toHaveLength(25_001);
  });

  it('leaves fields of mixed types and text timestamps to the JS parser', async () => {
    const mixed = join(dir, 'mixed.jsonl');
    writeFileSync(mixed, '{"step": 1, "loss": 0.5}\n{"step": 2, "loss": "n/a"}\n');
    const sink = new RecordingSink();
    const result = await importJsonlFile(mixed, sink, { engine: 'duckdb', time: TIME });
    expect(result).toMatchObject({ engine: 'js', fallbackReason: 'field "loss" holds values of mixed types' });
    expect(sink.get('loss')).toMatchObject({ x: [1], value: [0.5] });

    const iso = join(dir, 'iso.jsonl');
    writeFileSync(iso, '{"step": 1, "loss": 0.5, "timestamp": "2024-01-15T10:30:00.123456Z"}\n');
    const isoSink = new RecordingSink();
    await importJsonlFile(iso, isoSink, { engine: 'duckdb', time: TIME });
    expect(isoSink.get('loss').time).toEqual([Date.UTC(2024, 0, 15, 10, 30) + 123.456]);
  });

  it('leaves a NaN or infinite step to the JS parser, which reports its line', async () => {
    const path = join(dir, 'nan-step.jsonl');
    writeFileSync(path, '{"step": 1, "loss": 0.5}\n\n{"step": NaN, "loss": 0.4}\n{"step": 3, "loss": Infinity}\n');
    const sink = new RecordingSink();
    const result = await importJsonlFile(path, sink, { engine: 'duckdb', time: TIME });
    expect(result).toMatchObject({
      engine: 'js',
      fallbackReason: 'a step/epoch of NaN',
      rejected: { non_finite_x: 1 },
    });
    expect(sink.rejections()).toEqual(['3: non_finite_x']);
    expect(sameNumbers(sink.get('loss').x, [1, Number.NaN, 3])).toBe(true);
    expect(sink.get('loss').value).toEqual([0.5, 0.4, Number.POSITIVE_INFINITY]);
  });

  it('reads a file of ml-dash records as records (DuckDB leaves them to the JS parser)', async () => {
    const file = fileURLToPath(
      new URL('fixtures/mldash/cv/resnet-baseline/metrics/all_metrics/data.jsonl', import.meta.url),
    );
    const sink = new RecordingSink();
    const result = await importJsonlFile(file, sink, { engine: 'duckdb', prefix: 'all_metrics', time: TIME });
    expect(result.engine).toBe('js');
    expect(result.fallbackReason).toContain('ml-dash records');
    expect(sink.get('all_metrics/val_loss').x).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sink.get('all_metrics/val_loss').time[0]).toBe(Date.UTC(2024, 0, 15, 10, 30, 6) + 18.084);
  });

  it('leaves a file with a line over maxLineBytes to the JS parser, which skips and reports it', async () => {
    const path = join(dir, 'oversized.jsonl');
    writeFileSync(
      path,
      `{"step": 0, "loss": 1}\n{"step": 1, "loss": 2, "blob": "${'x'.repeat(5000)}"}\n{"step": 2, "loss": 3}`,
    );
    const sink = new RecordingSink();
    const result = await importJsonlFile(path, sink, { engine: 'duckdb', maxLineBytes: 4096, time: TIME });
    expect(result).toMatchObject({ engine: 'js', fallbackReason: 'a line longer than maxLineBytes' });
    expect(sink.rejections()).toEqual(['2: oversized']);
    expect(sink.get('loss')).toMatchObject({ x: [0, 2], value: [1, 3] });
  });

  it('keeps keys that differ only in case apart (DuckDB would rename one, so the JS parser reads the file)', async () => {
    const path = join(dir, 'case.jsonl');
    writeFileSync(path, '{"step": 0, "Loss": 1, "loss": 5}\n{"step": 1, "loss": 2}\n');
    const sink = new RecordingSink();
    const result = await importJsonlFile(path, sink, { engine: 'duckdb', time: TIME });
    expect(result.engine).toBe('js');
    expect(sink.get('Loss').value).toEqual([1]);
    expect(sink.get('loss').value).toEqual([5, 2]);
  });

  it('auto reads with JS by default and with DuckDB from duckdbMinBytes up', async () => {
    const small = await importJsonlFile(fixture('train.jsonl'), new RecordingSink(), { time: TIME });
    expect(small.engine).toBe('js');
    const large = await importJsonlFile(fixture('train.jsonl'), new RecordingSink(), { time: TIME, duckdbMinBytes: 1 });
    expect(large.engine).toBe('duckdb');
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findMldashExperiments,
  importMldashExperiment,
  MldashPathError,
  mldashMetricBytes,
  readMldashRunInfo,
  writeMldashExperiment,
} from '../src/index.js';
import { RecordingSink, sameNumbers } from './helpers/recording-sink.js';

const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url));
const experimentDir = join(fixtures, 'mldash', 'cv', 'resnet-baseline');
const out = mkdtempSync(join(tmpdir(), 'trainscope-mldash-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every data.jsonl under a metrics folder, by metric name. */
function metricFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'data.jsonl') files.set(relative(join(dir, 'metrics'), d), readFileSync(p, 'utf8'));
    }
  };
  walk(join(dir, 'metrics'));
  return files;
}

describe('ml-dash layout: reading', () => {
  it('finds experiments under a root and reads their run fields', async () => {
    const found = await findMldashExperiments(join(fixtures, 'mldash'));
    expect(found).toEqual([{ dir: experimentDir, project: 'cv', name: 'resnet-baseline' }]);
    expect(await readMldashRunInfo(experimentDir)).toEqual({
      project: 'cv',
      name: 'resnet-baseline',
      params: { 'model.lr': 0.001, 'model.batch_size': 32, 'model.name': 'resnet18' },
      tags: ['baseline', 'cifar'],
      createdAt: Date.UTC(2024, 0, 15, 10, 30),
      description: 'resnet baseline',
    });
  });

  it("reports each metric file's bytes once its points are in the sink, adding up to mldashMetricBytes", async () => {
    const sink = new RecordingSink();
    const heard: { bytes: number; points: number }[] = [];
    const total = await mldashMetricBytes(experimentDir);
    const files = metricFiles(experimentDir);
    expect(total).toBe([...files.values()].reduce((n, text) => n + Buffer.byteLength(text), 0));
    await importMldashExperiment(experimentDir, sink, {
      onBytes: (bytes) => heard.push({ bytes, points: sink.pointCount }),
    });
    expect(heard.length).toBe(files.size);
    expect(heard.reduce((n, h) => n + h.bytes, 0)).toBe(total);
    // Points arrive before the bytes they came from are counted.
    expect(heard[0]?.points).toBeGreaterThan(0);
    for (let i = 1; i < heard.length; i++) expect(heard[i]?.points).toBeGreaterThanOrEqual(heard[i - 1]?.points ?? 0);
  });

  it('stops before the next metric file once its signal is aborted, throwing the reason', async () => {
    const sink = new RecordingSink();
    const controller = new AbortController();
    let files = 0;
    const stopped = importMldashExperiment(experimentDir, sink, {
      signal: controller.signal,
      onBytes: () => {
        files++;
        if (files === 2) controller.abort(new Error('stop here'));
      },
    });
    await expect(stopped).rejects.toThrow('stop here');
    expect(files).toBe(2);
    expect(sink.logs.filter((l) => l.stream !== 'system')).toEqual([]);
  });

  it('maps records to series: value -> <metric>, other fields -> <metric>/<field>, step (else epoch) -> x', async () => {
    const sink = new RecordingSink();
    const result = await importMldashExperiment(experimentDir, sink);
    expect(result).toMatchObject({ metrics: 9, records: 301, logs: 7, rejected: {} });
    expect([...sink.byName().keys()].sort()).toEqual(
      [
        'all_metrics/train_acc',
        'all_metrics/train_loss',
        'all_metrics/val_acc',
        'all_metrics/val_loss',
        'eval/accuracy',
        'eval/loss',
        'lr',
        'lr',
        'robot/position/x',
        'robot/position/y',
        'seed_loss',
        'sensors/grad/max',
        'sensors/grad/norm',
        'sensors/temp\u00e9rature',
        'train/accuracy',
        'train/loss',
        'train/loss.count',
        'train/loss.max',
        'train/loss.mean',
        'train/loss.min',
        'train/loss.std',
        'train_loss',
        'train_loss/epoch',
      ].filter((n, i, a) => a.indexOf(n) === i),
    );
    const loss = sink.get('train_loss');
    expect(loss.x.slice(0, 3)).toEqual([0, 1, 2]);
    expect(loss.value[17]).toBeNaN();
    expect(loss.value[18]).toBe(Number.POSITIVE_INFINITY);
    expect(loss.time[0]).toBe(Date.UTC(2024, 0, 15, 10, 30) + 3.014);
    expect(sink.get('train_loss/epoch').value.at(-1)).toBe(2);
    expect(sink.get('all_metrics/val_loss').x).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sink.get('seed_loss')).toMatchObject({ x: [1, 2, 3], value: [0.5, 0.45, 0.4] });
    // The unnamed root metric ("None") holds top-level fields such as lr at x = epoch.
    const rootLr = sink.defs.find((d) => d.name === 'lr' && d.labels?.['mldash.metric'] === 'None');
    expect(rootLr).toBeDefined();
    expect(sink.logs.filter((l) => l.stream === 'sdk').map((l) => l.text)).toContain('Epoch 3/5 complete');
    expect(sink.logs.find((l) => l.text === 'Epoch 1/5 complete')?.metadata).toEqual({ train_loss: 1.0 });
  });

  it('reads the older layout too: metrics/<name>.jsonl of {"timestamp", "data"}, names from the path', async () => {
    const root = join(fixtures, 'mldash-legacy');
    const [ref] = await findMldashExperiments(root);
    expect(ref).toMatchObject({ project: 'nlp', name: 'bert-small' });
    const sink = new RecordingSink();
    await importMldashExperiment(ref?.dir ?? '', sink);
    expect(sink.get('loss')).toMatchObject({ x: [0, 1, 2], value: [1, 0.5, 1 / 3] });
    expect(sink.get('loss').time[0]).toBe(Date.UTC(2024, 0, 15, 10, 30, 7) + 45.21);
  });

  it('counts and reports lines that are not records, with file and line number, and imports the rest', async () => {
    const sink = new RecordingSink();
    const result = await importMldashExperiment(join(fixtures, 'mldash-messy', 'cv', 'messy'), sink);
    expect(result.rejected).toEqual({ malformed: 1, binary: 1, not_object: 2 });
    expect(sink.rejections()).toEqual(['3: malformed', '4: binary', '5: not_object', '6: not_object']);
    const file = join(fixtures, 'mldash-messy', 'cv', 'messy', 'metrics', 'loss', 'data.jsonl');
    expect(sink.reports()[0]).toBe(`${file}:3: malformed`);
    const loss = sink.get('loss');
    expect(loss.x).toEqual([0, 1, 4, 5]);
    expect(sameNumbers(loss.value, [0.5, 0.4, Number.NaN, 0.2])).toBe(true);
    expect(sink.logs.some((l) => l.text.includes('field "phase" is not a number'))).toBe(true);
  });
});

describe('ml-dash layout: writing', () => {
  it('round-trips every metric file of an ml-dash experiment byte for byte', async () => {
    const sink = new RecordingSink();
    await importMldashExperiment(experimentDir, sink);
    const info = await readMldashRunInfo(experimentDir);
    const { dir } = await writeMldashExperiment(join(out, 'roundtrip'), {
      ...info,
      series: sink.columns(),
      logs: sink.logs.filter((l) => l.stream === 'sdk'),
    });
    const original = metricFiles(experimentDir);
    const written = metricFiles(dir);
    expect([...written.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [metric, text] of original) expect(written.get(metric), metric).toBe(text);
    // Log lines come back field for field (free-form metadata may write 1.0 as 1: JSON does not keep the difference).
    const parse = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    expect(parse(join(dir, 'logs', 'logs.jsonl'))).toEqual(parse(join(experimentDir, 'logs', 'logs.jsonl')));
    expect(JSON.parse(readFileSync(join(dir, 'parameters.json'), 'utf8')).data).toEqual(info.params);
    expect(JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'))).toMatchObject({
      name: 'resnet-baseline',
      project: 'cv',
      tags: ['baseline', 'cifar'],
      created_at: '2024-01-15T10:30:00Z',
    });
  });

  it('writes a native run as {"value", "step"} records that ml-dash reads and that import back the same', async () => {
    const t0 = Date.UTC(2024, 5, 1);
    const series = [
      {
        def: { name: 'train/loss' },
        x: Float64Array.from([0, 10, 20]),
        time: Float64Array.from([t0, t0 + 1000.5, t0 + 2000]),
        value: Float64Array.from([1, Number.NaN, 0.25]),
      },
      {
        def: { name: 'gpu/0/utilization' },
        x: Float64Array.from([Number.NaN]),
        time: Float64Array.from([t0]),
        value: Float64Array.from([87]),
      },
    ];
    const { dir } = await writeMldashExperiment(join(out, 'native'), { project: 'p', name: 'run-7', series });
    expect(readFileSync(join(dir, 'metrics', 'train', 'loss', 'data.jsonl'), 'utf8')).toBe(
      '{"index": 0, "data": {"value": 1.0, "step": 0}, "createdAt": "2024-06-01T00:00:00Z"}\n' +
        '{"index": 1, "data": {"value": NaN, "step": 10}, "createdAt": "2024-06-01T00:00:01.000500Z"}\n' +
        '{"index": 2, "data": {"value": 0.25, "step": 20}, "createdAt": "2024-06-01T00:00:02Z"}\n',
    );
    expect(readFileSync(join(dir, 'metrics', 'gpu', '0', 'utilization', 'data.jsonl'), 'utf8')).toBe(
      '{"index": 0, "data": {"value": 87.0}, "createdAt": "2024-06-01T00:00:00Z"}\n',
    );
    expect(JSON.parse(readFileSync(join(dir, 'metrics', 'train', 'loss', 'metadata.json'), 'utf8'))).toMatchObject({
      name: 'train/loss',
      totalDataPoints: 3,
      nextIndex: 3,
    });
    const back = new RecordingSink();
    await importMldashExperiment(dir, back);
    const loss = back.get('train/loss');
    expect(sameNumbers(loss.value, [1, Number.NaN, 0.25])).toBe(true);
    expect(loss.x).toEqual([0, 10, 20]);
    expect(loss.time).toEqual([t0, t0 + 1000.5, t0 + 2000]);
  });

  it('refuses names that would leave the experiment folder', async () => {
    const series = [
      { def: { name: 'a/../../etc' }, x: new Float64Array(1), time: new Float64Array(1), value: new Float64Array(1) },
    ];
    await expect(writeMldashExperiment(join(out, 'bad'), { project: 'p', name: 'r', series })).rejects.toBeInstanceOf(
      MldashPathError,
    );
    await expect(
      writeMldashExperiment(join(out, 'bad'), { project: '..', name: 'r', series: [] }),
    ).rejects.toBeInstanceOf(MldashPathError);
  });
});

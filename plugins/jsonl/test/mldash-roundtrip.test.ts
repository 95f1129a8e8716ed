import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatPythonIsoTime,
  importMldashExperiment,
  PyFloat,
  type PyValue,
  pythonJson,
  writeMldashExperiment,
} from '../src/index.js';
import { RecordingSink } from './helpers/recording-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'trainscope-mldash-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const floatValue = fc.oneof(
  { weight: 8, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, 0, -0, 1e-5, 1e16),
);

/** A metric file as ml-dash writes one: fixed keys (some ints, some floats), an x key, maybe createdAt. */
const metricFile = fc
  .record({
    fields: fc.uniqueArray(
      fc.record({ key: fc.constantFrom('value', 'loss', 'acc', 'lr', 'count', 'grad/norm', 'é'), int: fc.boolean() }),
      {
        minLength: 1,
        maxLength: 4,
        selector: (f) => f.key,
      },
    ),
    x: fc.constantFrom('step', 'epoch', null),
    xFirst: fc.boolean(),
    createdAt: fc.boolean(),
    n: fc.integer({ min: 1, max: 12 }),
    seed: fc.array(fc.tuple(floatValue, fc.integer({ min: -1e6, max: 1e6 })), { minLength: 12, maxLength: 12 }),
    t0: fc.integer({ min: 1.5e15, max: 1.9e15 }),
  })
  .map(({ fields, x, xFirst, createdAt, n, seed, t0 }) => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const data: { [key: string]: PyValue } = {};
      const put = (key: string, value: PyValue) => {
        const parts = key.split('/');
        let node = data;
        for (const part of parts.slice(0, -1)) {
          node[part] ??= {};
          node = node[part] as { [key: string]: PyValue };
        }
        node[parts.at(-1) as string] = value;
      };
      if (x && xFirst) put(x, i * 3);
      for (const [k, f] of fields.entries()) {
        const [fv, iv] = seed[(i + k) % seed.length] as [number, number];
        put(f.key, f.int ? iv : new PyFloat(fv));
      }
      if (x && !xFirst) put(x, i * 3);
      const line: { [key: string]: PyValue } = { index: i, data };
      if (createdAt) line['createdAt'] = formatPythonIsoTime((t0 + i * 1507) / 1000);
      lines.push(pythonJson(line));
    }
    return `${lines.join('\n')}\n`;
  });

describe('ml-dash round trip on generated metric files', () => {
  it('import then export gives the same bytes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(metricFile, async (text) => {
        const exp = join(dir, `in-${++run}`, 'p', 'e');
        mkdirSync(join(exp, 'metrics', 'm'), { recursive: true });
        writeFileSync(join(exp, 'metrics', 'm', 'data.jsonl'), text);
        const sink = new RecordingSink();
        const result = await importMldashExperiment(exp, sink);
        expect(result.rejected).toEqual({});
        const { dir: out } = await writeMldashExperiment(join(dir, `out-${run}`), {
          project: 'p',
          name: 'e',
          series: sink.columns(),
        });
        expect(readFileSync(join(out, 'metrics', 'm', 'data.jsonl'), 'utf8')).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});

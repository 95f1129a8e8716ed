import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckdbRefusedError, importJsonlWithDuckdb, importJsonlWithJs } from '../src/index.js';
import { RecordingSink, sameNumbers } from './helpers/recording-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'trainscope-jsonl-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
const leaf = fc.oneof({ weight: 6, arbitrary: number }, fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null));
const key = fc.constantFrom('loss', 'acc', 'lr', 'step', 'epoch', 'timestamp', 'val_loss', 'x');
const record = fc.dictionary(
  key,
  fc.oneof({ weight: 5, arbitrary: leaf }, fc.dictionary(fc.constantFrom('loss', 'acc', 'n'), leaf, { maxKeys: 3 })),
  { maxKeys: 6 },
);

/** Python's json.dumps spelling: NaN and the infinities as bare words. */
const dumps = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `@@${v}@@` : v)).replace(
    /"@@(NaN|Infinity|-Infinity)@@"/g,
    '$1',
  );

/** Records as a training script writes them: each key keeps its type; fields come and go. */
const typedRecord = fc.record(
  {
    step: fc.integer({ min: 0, max: 1e6 }),
    epoch: fc.integer({ min: 0, max: 100 }),
    timestamp: fc.oneof(fc.double({ min: 1.6e9, max: 1.8e9, noNaN: true }), fc.integer({ min: 1.6e12, max: 1.8e12 })),
    loss: number,
    lr: fc.double({ noNaN: true }),
    train: fc.record({ acc: number, grad_norm: number }, { requiredKeys: [] }),
    phase: fc.constantFrom('train', 'eval'),
  },
  { requiredKeys: [] },
);

async function compare(path: string): Promise<boolean> {
  const js = new RecordingSink();
  await importJsonlWithJs(path, js, { time: 1 });
  const duck = new RecordingSink();
  try {
    await importJsonlWithDuckdb(path, duck, { time: 1, threads: 1 });
  } catch (error) {
    expect(error).toBeInstanceOf(DuckdbRefusedError);
    expect(duck.pointCount).toBe(0);
    return false;
  }
  const a = js.byName();
  const b = duck.byName();
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [name, s] of a) {
    const t = b.get(name);
    expect(sameNumbers(t?.value ?? [], s.value), `${name} values`).toBe(true);
    expect(sameNumbers(t?.x ?? [], s.x), `${name} x`).toBe(true);
    expect(sameNumbers(t?.time ?? [], s.time), `${name} time`).toBe(true);
  }
  return true;
}

describe('JS parser and DuckDB read_json agree', () => {
  it('on records that keep their types: the same series and points', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(typedRecord, { minLength: 1, maxLength: 40 }), async (records) => {
        const path = join(dir, 'typed.jsonl');
        writeFileSync(path, `${records.map(dumps).join('\n')}\n`);
        if (await compare(path)) compared++;
      }),
      { numRuns: 25, seed: 20261207 },
    );
    expect(compared).toBeGreaterThan(10);
  });

  it('on random training records: the same series and points, or DuckDB refuses and the JS parser reads the file', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), async (records) => {
        const path = join(dir, 'random.jsonl');
        writeFileSync(path, `${records.map(dumps).join('\n')}\n`);
        if (await compare(path)) compared++;
      }),
      { numRuns: 25, seed: 20261207 },
    );
    expect(compared).toBeGreaterThan(0);
  });
});

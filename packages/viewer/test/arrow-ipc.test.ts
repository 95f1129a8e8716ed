import { type ApiChart, type ApiPoints, ArrowFormatError, readArrowColumns } from '@trainscope/client';
import { describe, expect, inject, it } from 'vitest';
import { decodeWireColumn } from '../src/wire.js';

const server = inject('server');
const seeded = inject('seeded');

async function bytes(path: string): Promise<Uint8Array> {
  const response = await fetch(`${server}/api/v1${path}`);
  expect(response.ok).toBe(true);
  expect(response.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
  return new Uint8Array(await response.arrayBuffer());
}

describe('readArrowColumns', () => {
  it("reads a multi-series chart answer's columns as the JSON route spells them, NaN included", async () => {
    const ids = [seeded.a['val/loss'], seeded.a['train/loss']] as number[];
    const { length, columns } = readArrowColumns(await bytes(`/chart?series=${ids.join(',')}&width=300`));
    const json = (await (
      await fetch(`${server}/api/v1/chart?series=${ids.join(',')}&width=300&format=json`)
    ).json()) as {
      charts: ApiChart[];
    };
    expect(length).toBe(json.charts.reduce((n, c) => n + c.buckets.count.length, 0));
    expect(Array.from(columns.get('series_id') ?? [])).toEqual(
      json.charts.flatMap((c) => c.buckets.count.map(() => c.series_id)),
    );
    for (const [name, wire] of Object.entries(json.charts[0]!.buckets)) {
      const column = columns.get(name)!.subarray(0, wire.length);
      expect(Array.from(column), name).toEqual(Array.from(decodeWireColumn(wire)));
    }
    expect(Array.from(columns.get('first_v')!).some(Number.isNaN)).toBe(true);
  });

  it('widens integer columns (uint8, uint32, int64) to float64', async () => {
    const id = seeded.a['val/loss'] as number;
    const { length, columns } = readArrowColumns(await bytes(`/points?series=${id}&format=arrow`));
    const json = (await (await fetch(`${server}/api/v1/points?series=${id}&format=json`)).json()) as ApiPoints;
    expect(length).toBe(json.x.length);
    expect(Array.from(columns.get('x')!)).toEqual(json.x);
    expect(Array.from(columns.get('x_given')!)).toEqual(json.x_given);
    expect(Array.from(columns.get('value')!)).toEqual(Array.from(decodeWireColumn(json.value)));
    expect(Array.from(columns.get('series')!).every((s) => s === id)).toBe(true);
  });

  it('refuses a cut-off stream, the file format and non-numeric columns with ArrowFormatError', async () => {
    const whole = await bytes(`/chart?series=${seeded.a['train/loss']}&width=100`);
    expect(() => readArrowColumns(whole.subarray(0, whole.length - 100))).toThrow(ArrowFormatError);
    const file = new Uint8Array(16);
    file.set(new TextEncoder().encode('ARROW1'));
    expect(() => readArrowColumns(file)).toThrow(/file format/);
    expect(() => readArrowColumns(new Uint8Array(0))).toThrow(/no schema/);
  });
});

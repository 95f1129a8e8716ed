import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importJsonlFile } from '@trainscope/plugin-jsonl';
import { parseStatsdPacket } from '@trainscope/plugin-statsd';
import { createStdoutParser } from '@trainscope/plugin-stdout';
import { describe, expect, it } from 'vitest';
import { RecordingSink } from '../src/recording-sink.js';

// Every input that once broke something is kept here and fed to its parser again.
const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtures = readdirSync(dir);
const of = (prefix: string) => fixtures.filter((f) => f.startsWith(prefix));

describe('regression fixtures', () => {
  it.each(of('jsonl-'))('%s imports with both engines without throwing, the same points each', async (file) => {
    const read = async (engine: 'js' | 'duckdb') => {
      const sink = new RecordingSink();
      const result = await importJsonlFile(`${dir}${file}`, sink, { engine, time: 0 });
      return { points: sink.points, records: result.records };
    };
    const js = await read('js');
    expect(await read('duckdb')).toEqual(js);
  });

  it('a string spelling the NaN marker stays a string, not a point', async () => {
    const sink = new RecordingSink();
    await importJsonlFile(`${dir}jsonl-nonfinite-marker.jsonl`, sink, { engine: 'js', time: 0 });
    expect(sink.points.map((p) => p.name)).toEqual(['loss', 'loss']);
  });

  it.each(of('statsd-'))('%s parses without throwing and every line is answered', (file) => {
    const { samples, rejections } = parseStatsdPacket(readFileSync(`${dir}${file}`));
    expect(samples.length + rejections.length).toBeGreaterThan(0);
  });

  it.each(of('stdout-'))('%s parses without throwing', (file) => {
    const rejected: string[] = [];
    const parser = createStdoutParser({ point() {}, line() {}, reject: (reason) => rejected.push(reason) });
    parser.push(readFileSync(`${dir}${file}`), 'stdout', 0);
    parser.end('stdout', 0);
    for (const reason of rejected) expect(parser.stats().rejected[reason]).toBeGreaterThan(0);
  });
});

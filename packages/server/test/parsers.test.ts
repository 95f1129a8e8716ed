import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchError, UnknownRunError } from '@trainscope/core';
import { makeTable, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { mapError } from '../src/error-mapping.js';
import { keyFromAuthorization } from '../src/keys.js';
import { parseLiveMessage } from '../src/live/parse-live-message.js';
import { isLoopbackHost } from '../src/loopback.js';
import { batchFromArrow, batchFromJson } from '../src/parse-batch.js';

describe('parseLiveMessage', () => {
  test('accepts subscribe messages and refuses everything else with a reason', () => {
    expect(parseLiveMessage('{"type":"subscribe","series":{"3":10},"runs":["a"]}')).toEqual({
      type: 'subscribe',
      series: { '3': 10 },
      runs: ['a'],
    });
    const refused = [
      '',
      'null',
      '[]',
      '"subscribe"',
      '{"type":"subscribe","series":[1]}',
      '{"type":"subscribe","series":{"1":1.5}}',
      '{"type":"subscribe","series":{"99999999999":0}}',
      '{"type":"subscribe","runs":"a"}',
      '{"type":"subscribe","runs":[""]}',
      `{"type":"subscribe","runs":${JSON.stringify(Array(10_001).fill('r'))}}`,
    ];
    for (const text of refused) expect(parseLiveMessage(text)).toHaveProperty('code');
  });

  test('never throws on arbitrary or binary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseLiveMessage(text);
      }),
    );
    parseLiveMessage(randomBytes(4096).toString('latin1'));
  });
});

describe('batchFromJson / batchFromArrow', () => {
  test('JSON columns: null x means none given, time defaults to now, non-finite spellings decode', () => {
    const b = batchFromJson({ series: [1, 2], x: [3, null], value: ['NaN', '-Infinity'] }, 42);
    expect([...b.series]).toEqual([1, 2]);
    expect([...b.x]).toEqual([3, Number.NaN]);
    expect([...b.time]).toEqual([42, 42]);
    expect([...b.value]).toEqual([Number.NaN, Number.NEGATIVE_INFINITY]);
    expect(() => batchFromJson({ series: [1, 2], value: [1] }, 0)).toThrow(/line up/);
    expect(() => batchFromJson({ series: [1.5], value: [1] }, 0)).toThrow(/not a series id/);
  });

  test('Arrow tables of any numeric column types', () => {
    const bytes = tableToIPC(
      makeTable({
        series: Int32Array.from([7, 7]),
        x: Float64Array.from([1, 2]),
        value: Float32Array.from([0.5, Number.POSITIVE_INFINITY]),
      }),
      'stream',
    );
    const b = batchFromArrow(bytes, 99);
    expect([...b.series]).toEqual([7, 7]);
    expect([...b.time]).toEqual([99, 99]);
    expect([...b.value]).toEqual([0.5, Number.POSITIVE_INFINITY]);
    const negative = tableToIPC(makeTable({ series: Int32Array.from([-1]), value: Float64Array.from([1]) }), 'stream');
    expect(() => batchFromArrow(negative, 0)).toThrow(/not a series id/);
    const noValue = tableToIPC(makeTable({ series: Int32Array.from([1]) }), 'stream');
    expect(() => batchFromArrow(noValue, 0)).toThrow(/"value"/);
  });

  test('file-format bodies and multi-batch streams pass the header check', () => {
    const table = makeTable({ series: Int32Array.from([1, 2, 3]), value: Float64Array.from([1, Number.NaN, 3]) });
    expect([...batchFromArrow(tableToIPC(table, 'file'), 0).series]).toEqual([1, 2, 3]);
    const many = tableToIPC(table.concat(table, table), 'stream');
    expect(batchFromArrow(many, 0).length).toBe(9);
  });

  test('mutated Arrow bodies that made apache-arrow allocate gigabytes are refused from their headers', () => {
    // Found by the reliability fuzzer: each is a few hundred bytes; decoded as they stand they
    // held the event loop for 25-42 s, took 1-1.3 GiB, or exhausted the heap.
    const dir = fileURLToPath(new URL('./fixtures/arrow-mutated/', import.meta.url));
    const files = readdirSync(dir);
    expect(files.length).toBe(5);
    for (const file of files) {
      const bytes = readFileSync(join(dir, file));
      expect(() => batchFromArrow(bytes, 0), file).toThrow(/not a usable Arrow IPC stream/);
    }
  });

  test('garbage bytes are refused as malformed Arrow, never a crash', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(1 + ((i * 37) % 2000));
      expect(() => batchFromArrow(bytes, 0)).toThrow();
      try {
        batchFromArrow(bytes, 0);
      } catch (error) {
        expect(mapError(error).statusCode).toBe(400);
      }
    }
  });
});

describe('mapError', () => {
  test('core error codes map to HTTP statuses; unknown failures hide their details', () => {
    expect(mapError(new UnknownRunError('x'))).toMatchObject({
      statusCode: 404,
      body: { error: { code: 'unknown_run' } },
    });
    expect(mapError(new BatchError('bad'))).toMatchObject({ statusCode: 400, body: { error: { code: 'bad_batch' } } });
    expect(mapError(new Error('secret path /etc'))).toEqual({
      statusCode: 500,
      body: { error: { code: 'internal', message: 'The server failed to answer this request; see its log.' } },
    });
    expect(mapError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'too big' })).toMatchObject({
      statusCode: 413,
      body: { error: { code: 'body_too_large' } },
    });
  });
});

test('loopback hosts and Api-Key headers', () => {
  expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].map(isLoopbackHost)).toEqual([
    true,
    true,
    true,
    true,
    true,
  ]);
  expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  expect(keyFromAuthorization('Api-Key abc')).toBe('abc');
  expect(keyFromAuthorization('api-key  abc ')).toBe('abc');
  expect(keyFromAuthorization('Bearer abc')).toBeUndefined();
  expect(keyFromAuthorization(undefined)).toBeUndefined();
});

import { tableFromArrays, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { hostileBytes, hostileText, mutated } from './arbitraries.js';
import { expectThat, type FuzzTarget, sameNumber } from './fuzz-target.js';
import type { ServedStore } from './served-store.js';

/** One generated request. `expect` holds the points a valid ingest body must store. */
export interface HttpInput {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  contentType: string | undefined;
  body: string | Uint8Array | undefined;
  expect?: { series: number; values: number[] };
}

const ANSWERS = new Set([200, 201, 400, 404, 405, 409, 413, 415, 429, 431]);
const wireValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('NaN', 'Infinity', '-Infinity'),
);
const decode = (v: number | string) => (typeof v === 'number' ? v : Number(v));

/** Valid JSON ingest bodies for `series`, with the values they must store. */
function validJson(series: number): fc.Arbitrary<HttpInput> {
  return fc.array(wireValue, { minLength: 1, maxLength: 20 }).map((values) => ({
    method: 'POST',
    path: '/api/v1/ingest/points',
    contentType: 'application/json',
    body: JSON.stringify({ series: values.map(() => series), value: values }),
    expect: { series, values: values.map(decode) },
  }));
}

/** Valid Arrow IPC ingest bodies for `series`. */
function validArrow(series: number): fc.Arbitrary<{ bytes: Uint8Array; values: number[] }> {
  return fc.array(fc.double(), { minLength: 1, maxLength: 20 }).map((values) => ({
    bytes: tableToIPC(
      tableFromArrays({ series: Uint32Array.from(values, () => series), value: Float64Array.from(values) }),
      'stream',
    ),
    values,
  }));
}

/** Flips, drops or overwrites bytes of a valid body. */
function mutatedBytes(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
    )
    .map(([bytes, edits, truncate]) => {
      const out = Uint8Array.from(bytes);
      for (const [at, value] of edits) out[at % out.length] = value;
      return truncate ? out.subarray(0, edits[0]?.[0] ?? 0 % out.length) : out;
    });
}

const routePath = fc.constantFrom(
  '/api/v1/ingest/points',
  '/api/v1/runs',
  '/api/v1/runs/RUN',
  '/api/v1/runs/RUN/series',
  '/api/v1/runs/RUN/logs',
  '/v1/training_projects/fuzz/jobs/RUN/metrics',
);
const queryPath = fc
  .tuple(
    fc.constantFrom(
      '/api/v1/points',
      '/api/v1/series/SERIES/chart',
      '/api/v1/runs',
      '/api/v1/runs/RUN/summaries',
      '/api/v1/runs/RUN/logs',
      '/api/v1/projects',
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom('series', 'start', 'end', 'limit', 'cursor', 'format', 'by', 'width', 'project', 'status', 'x'),
        fc.oneof(hostileText, fc.constantFrom('1', '-1', 'NaN', '1e309', 'SERIES', '0,0,0', 'arrow', 'csv')),
      ),
      { maxLength: 4 },
    ),
  )
  .chain(([path, query]) =>
    fc
      .constantFrom('', '&%', '&a=%ZZ', '&series=%C3', '&series=%00')
      .map((raw) => `${path}?${query.map(([k, v]) => `${k}=${percentEncode(v)}`).join('&')}${raw}`),
  );

/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD, as a client would send). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += `%${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * HTTP against a real server on loopback: generated JSON and Arrow ingest bodies (valid ones must
 * be stored exactly), mutated and hostile bodies on every write route, hostile query strings on
 * the read routes. Every answer is a 2xx or a 4xx with an error code the server counted, never a
 * 500 or a dropped connection.
 */
export function httpTarget(served: ServedStore, options: { readBackEvery?: number } = {}): FuzzTarget<HttpInput> {
  const [a = 1, b = 2] = served.series;
  // Valid ingest bodies waiting to be read back: one flush and one read for a batch of them (the
  // soak), or for each (the test suite, so that a failure shrinks to the input that caused it).
  const readBackEvery = options.readBackEvery ?? 1;
  const unread: { series: number; from: number; values: number[] }[] = [];
  const readBack = async () => {
    if (unread.length === 0) return;
    const batch = unread.splice(0);
    await served.store.flush();
    const bySeries = new Map<number, typeof batch>();
    for (const e of batch) bySeries.set(e.series, [...(bySeries.get(e.series) ?? []), e]);
    for (const [series, entries] of bySeries) {
      const from = Math.min(...entries.map((e) => e.from));
      const to = Math.max(...entries.map((e) => e.from + e.values.length));
      const rows = await served.store.readPoints({ series: [series], by: 'n', start: from, end: to - 1 });
      for (const e of entries) {
        const stored = Array.from(rows.value.subarray(e.from - from, e.from - from + e.values.length));
        expectThat(
          stored.length === e.values.length && stored.every((v, i) => sameNumber(v, e.values[i] as number)),
          'a valid ingest body was not stored exactly',
          { sent: e.values, stored },
        );
      }
    }
  };
  const fill = (path: string) =>
    path.replaceAll('RUN', encodeURIComponent(served.run.id)).replaceAll('SERIES', String(a));
  const jsonBody = fc.oneof(
    fc.json({ maxDepth: 3 }),
    mutated(
      fc.constantFrom(
        `{"series":[${a},${b}],"value":[1,"NaN"],"x":[0,null],"time":[1,2]}`,
        '{"project":"p","name":"n","params":{"lr":1}}',
        '{"series":[{"name":"a/b"}]}',
      ),
    ),
    hostileText,
    fc.constantFrom(
      `{"series":[${a}],"value":[1e999]}`,
      `{"series":[${a}],"value":[1],"time":[null]}`,
      `{"series":[${a}],"value":[1],"x":["1"]}`,
      '{"series":[4294967296],"value":[1]}',
      `{"series":[${a}],"value":[]}`,
    ),
  );
  const arrowBody = fc.oneof(
    validArrow(a).map((v) => ({ ...v, mutated: false })),
    mutatedBytes(validArrow(a).map((v) => v.bytes)).map((bytes) => ({ bytes, values: [] as number[], mutated: true })),
    hostileBytes.map((bytes) => ({ bytes, values: [] as number[], mutated: true })),
  );
  return {
    name: 'http',
    arbitrary: fc.oneof(
      validJson(a),
      arrowBody.map(
        (v): HttpInput => ({
          method: 'POST',
          path: '/api/v1/ingest/points',
          contentType: 'application/vnd.apache.arrow.stream',
          body: v.bytes,
          ...(v.mutated ? {} : { expect: { series: a, values: v.values } }),
        }),
      ),
      fc
        .tuple(
          fc.constantFrom<'POST' | 'PATCH'>('POST', 'PATCH'),
          routePath,
          jsonBody,
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
        )
        .map(([method, path, body, contentType]): HttpInput => ({ method, path: fill(path), contentType, body })),
      queryPath.map(
        (path): HttpInput => ({ method: 'GET', path: fill(path), contentType: undefined, body: undefined }),
      ),
    ),
    known() {
      // text/plain bodies were a known fault (500); they are refused with 415 now and checked as any other input.
      return undefined;
    },
    async check(input) {
      const before = input.expect ? served.store.ingestor.nextIndex(input.expect.series) : 0;
      const rejectedBefore = served.server.stats().rejections;
      const headers: Record<string, string> = {};
      if (input.contentType) headers['content-type'] = input.contentType;
      const response = await fetch(`${served.url}${input.path}`, {
        method: input.method,
        headers,
        ...(input.body === undefined
          ? {}
          : { body: typeof input.body === 'string' ? input.body : Buffer.from(input.body) }),
      });
      const text = await response.text();
      expectThat(ANSWERS.has(response.status), `${input.method} ${input.path} answered ${response.status}`, text);
      const counts: Record<string, number> = {};
      if (response.status >= 400) {
        const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        expectThat(typeof code === 'string', `a ${response.status} without an error code`, text);
        const rejected = served.server.stats().rejections;
        expectThat(
          (rejected[code] ?? 0) > (rejectedBefore[code] ?? 0),
          `refusal "${code}" was not counted by the server`,
          rejected,
        );
        counts[code] = 1;
      }
      if (input.expect) {
        expectThat(response.status === 200, `a valid ingest body was refused: ${text}`);
        unread.push({ series: input.expect.series, from: before, values: input.expect.values });
        if (unread.length >= readBackEvery) await readBack();
      }
      return counts;
    },
    settle: readBack,
  };
}

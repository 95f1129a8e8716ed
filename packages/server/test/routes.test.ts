import type { ApiChart, ApiLogLine, ApiPoints, ApiRun, ApiSeries } from '@trainscope/client';
import { makeTable, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, type Started, startServer } from './helpers/start.js';

describe('REST routes against a real store', () => {
  let s: Started;
  let loss: ApiSeries;
  let acc: ApiSeries;
  beforeAll(async () => {
    s = await startServer({ bodyLimit: 64 * 1024 });
  });
  afterAll(() => s.stop());
  const url = (path: string) => `${s.url}/api/v1${path}`;

  test('creates, lists, gets and patches runs', async () => {
    const created = await api(url('/runs'), {
      method: 'POST',
      json: { id: 'r1', project: 'vision', name: 'resnet', params: { lr: 0.1 }, tags: ['a'], host: { hostname: 'h' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'r1', project: 'vision', status: 'running', params: { lr: 0.1 } });
    await api(url('/runs'), { method: 'POST', json: { id: 'r2', project: 'nlp' } });
    const dup = await api(url('/runs'), { method: 'POST', json: { id: 'r2' } });
    expect(dup.status).toBe(400);
    const list = (await api(url('/runs?project=vision'))).body as { runs: ApiRun[] };
    expect(list.runs.map((r) => r.id)).toEqual(['r1']);
    const projects = (await api(url('/projects'))).body as { projects: { name: string; run_count: number }[] };
    expect(projects.projects.map((p) => [p.name, p.run_count])).toEqual([
      ['nlp', 1],
      ['vision', 1],
    ]);
    const patched = await api(url('/runs/r2'), {
      method: 'PATCH',
      json: { status: 'failed', exit_code: 3, error_message: 'boom' },
    });
    expect(patched.body).toMatchObject({ status: 'failed', exit_code: 3, error_message: 'boom' });
    expect((patched.body as ApiRun).ended_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await api(url('/runs?status=failed'))).body).toMatchObject({ runs: [{ id: 'r2' }] });
    const bad = await api(url('/runs/r2'), { method: 'PATCH', json: { status: 'exploded' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_request', field: 'body/status' } });
  });

  test('defines series by name and returns the same ids again', async () => {
    const res = await api(url('/runs/r1/series'), {
      method: 'POST',
      json: { series: [{ name: 'train/loss', unit: 'nats' }, { name: 'val/acc' }] },
    });
    expect(res.status).toBe(200);
    [loss, acc] = (res.body as { series: ApiSeries[] }).series as [ApiSeries, ApiSeries];
    expect(loss).toMatchObject({ name: 'train/loss', group: 'train', unit: 'nats', run_id: 'r1' });
    const again = await api(url('/runs/r1/series'), { method: 'POST', json: { series: [{ name: 'val/acc' }] } });
    expect((again.body as { series: ApiSeries[] }).series[0]?.id).toBe(acc.id);
    const invalid = await api(url('/runs/r1/series'), { method: 'POST', json: { series: [{ name: 'a//b' }] } });
    expect(invalid.body).toMatchObject({ error: { code: 'invalid_name' } });
    expect((await api(url('/runs/nope/series'))).body).toMatchObject({ error: { code: 'unknown_run' } });
  });

  test('ingests JSON points with non-finite values and reads them back as JSON, CSV and Arrow', async () => {
    const res = await api(url('/ingest/points'), {
      method: 'POST',
      json: {
        series: [loss.id, loss.id, loss.id, acc.id],
        x: [0, 1, 2, null],
        time: [1_000, 2_000, 3_000, 4_000],
        value: [0.5, 'NaN', '-Infinity', 0.9],
      },
    });
    expect(res.body).toEqual({ accepted: 4, skipped: 0, next: { [loss.id]: 3, [acc.id]: 1 } });
    await s.store.flush();
    const json = (await api(url(`/points?series=${loss.id},${acc.id}`))).body as ApiPoints;
    expect(json).toEqual({
      series: [loss.id, loss.id, loss.id, acc.id],
      n: [0, 1, 2, 0],
      x: [0, 1, 2, 0],
      x_given: [1, 1, 1, 0],
      time: [1000, 2000, 3000, 4000],
      value: [0.5, 'NaN', '-Infinity', 0.9],
      next: null,
    });
    const csv = await api(url(`/points?series=${loss.id},${acc.id}&format=csv`));
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text).toBe(
      'run_id,series,x,wall_time,value\n' +
        'r1,train/loss,0,1970-01-01T00:00:01.000Z,0.5\n' +
        'r1,train/loss,1,1970-01-01T00:00:02.000Z,NaN\n' +
        'r1,train/loss,2,1970-01-01T00:00:03.000Z,-Infinity\n' +
        'r1,val/acc,,1970-01-01T00:00:04.000Z,0.9\n',
    );
    const arrow = await fetch(url(`/points?series=${loss.id}&format=arrow`));
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(Array.from(table.getChild('value')?.toArray() as Float64Array)).toEqual([0.5, Number.NaN, -Infinity]);
  });

  test('pages points with a cursor, by x and by time', async () => {
    const first = await api(url(`/points?series=${loss.id}&limit=2`));
    const page1 = first.body as ApiPoints;
    expect(page1.x).toEqual([0, 1]);
    expect(first.headers.get('trainscope-next-cursor')).toBe(page1.next);
    const page2 = (await api(url(`/points?series=${loss.id}&limit=2&cursor=${page1.next}`))).body as ApiPoints;
    expect(page2).toMatchObject({ x: [2], next: null });
    const byTime = (await api(url(`/points?series=${loss.id}&by=time&start=1500&end=2500`))).body as ApiPoints;
    expect(byTime.time).toEqual([2000]);
    const bogus = await api(url(`/points?series=${loss.id}&cursor=not-a-cursor`));
    expect(bogus.body).toMatchObject({ error: { code: 'bad_query' } });
  });

  test('ingests an Arrow IPC body, x null where none was given', async () => {
    const body = tableToIPC(
      makeTable({
        series: Uint32Array.from([acc.id, acc.id]),
        time: Float64Array.from([5_000, 6_000]),
        value: Float64Array.from([0.91, Number.POSITIVE_INFINITY]),
      }),
      'stream',
    );
    const res = await api(url('/ingest/points'), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
    });
    expect(res.body).toEqual(expect.objectContaining({ accepted: 2, skipped: 0 }));
    await s.store.flush();
    const read = (await api(url(`/points?series=${acc.id}`))).body as ApiPoints;
    expect(read.value).toEqual([0.9, 0.91, 'Infinity']);
    expect(read.x_given).toEqual([0, 0, 0]);
  });

  test('chart reads come as Arrow IPC by default and JSON on request', async () => {
    const arrow = await fetch(url(`/series/${loss.id}/chart?width=100`));
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const meta = JSON.parse(arrow.headers.get('trainscope-chart') ?? '{}');
    expect(meta).toMatchObject({ series_id: loss.id, axis: 'x', start: 0, end: 2, last: { value: '-Infinity' } });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(3);
    const json = (await api(url(`/series/${loss.id}/chart?width=100&format=json`))).body as ApiChart;
    expect(json.buckets.count).toEqual([1, 1, 1]);
    expect(json.buckets.first_v).toEqual([0.5, 'NaN', '-Infinity']);
    const after = await api(url(`/series/${loss.id}/chart?width=100&start=5&end=1`));
    expect(after.body).toMatchObject({ error: { code: 'bad_range' } });
    expect((await api(url(`/series/${loss.id}/chart?width=0`))).status).toBe(400);
    expect((await api(url('/series/999999/chart?width=10'))).body).toMatchObject({ error: { code: 'unknown_series' } });
  });

  test('summaries of a run and in run lists', async () => {
    const res = (await api(url('/runs/r1/summaries'))).body as { summaries: { series_id: number; count: number }[] };
    expect(res.summaries.map((x) => [x.series_id, x.count])).toEqual([
      [loss.id, 3],
      [acc.id, 3],
    ]);
    const runs = (await api(url('/runs?project=vision&summaries=val/acc'))).body as { runs: ApiRun[] };
    expect(runs.runs[0]?.summaries?.['val/acc']).toMatchObject({
      count: 3,
      last: 'Infinity',
      min: 0.9,
      max: 'Infinity',
      non_finite: 1,
    });
    expect((await api(url(`/runs/r2/summaries?series=${loss.id}`))).status).toBe(404);
  });

  test('appends and reads log lines: tail and from', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => ({ text: `line ${i}`, stream: 'stdout' }));
    expect((await api(url('/runs/r1/logs'), { method: 'POST', json: { lines } })).body).toEqual({ accepted: 5 });
    await s.store.flush();
    const tail = (await api(url('/runs/r1/logs?tail=2'))).body as { logs: { text: string; n: number }[] };
    expect(tail.logs.map((l) => l.text)).toEqual(['line 3', 'line 4']);
    const from = (await api(url('/runs/r1/logs?from=1&limit=2'))).body as { logs: { n: number }[] };
    expect(from.logs.map((l) => l.n)).toEqual([1, 2]);
  });

  test('bad input gets a JSON error with a stable code', async () => {
    const cases: [string, RequestInit & { json?: unknown }, number, string][] = [
      [
        '/ingest/points',
        { method: 'POST', body: '{"series": [1', headers: { 'content-type': 'application/json' } },
        400,
        'malformed_json',
      ],
      [
        '/ingest/points',
        {
          method: 'POST',
          body: new Uint8Array([0xff, 0xfe, 0, 1, 2]),
          headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
        },
        400,
        'malformed_arrow',
      ],
      ['/ingest/points', { method: 'POST', json: { series: [1], value: ['lots'] } }, 400, 'invalid_request'],
      ['/ingest/points', { method: 'POST', json: { series: [1, 1], value: [1] } }, 400, 'invalid_request'],
      ['/ingest/points', { method: 'POST', json: { series: [424242], value: [1] } }, 404, 'unknown_series'],
      [
        '/ingest/points',
        {
          method: 'POST',
          body: '{"series":[1],"value":[1],"time":[1e999]}',
          headers: { 'content-type': 'application/json' },
        },
        400,
        'bad_batch',
      ],
      ['/ingest/points', { method: 'POST', json: { series: [1], value: [1], time: [null] } }, 400, 'invalid_request'],
      [
        '/ingest/points',
        { method: 'POST', json: { series: [1], value: [1], x: [1e308, null] } },
        400,
        'invalid_request',
      ],
      [
        '/ingest/points',
        { method: 'POST', body: 'x'.repeat(70 * 1024), headers: { 'content-type': 'application/json' } },
        413,
        'body_too_large',
      ],
      [
        '/ingest/points',
        { method: 'POST', body: 'a,b', headers: { 'content-type': 'text/csv' } },
        415,
        'unsupported_media_type',
      ],
      [
        '/ingest/points',
        { method: 'POST', body: '{"series":[1],"value":[1]}', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      [
        '/runs/r/logs',
        { method: 'POST', body: '{"lines":[{"text":"x"}]}', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      ['/points?series=1&start=9&end=2', {}, 400, 'bad_range'],
      ['/points?series=../../etc/passwd', {}, 400, 'invalid_request'],
      ['/runs/..%2F..%2Fetc/logs', {}, 404, 'unknown_run'],
      ['/nowhere', {}, 404, 'not_found'],
    ];
    const before = s.server.stats().rejections;
    for (const [path, init, status, code] of cases) {
      const res = await api(url(path), init);
      expect([path, res.status, (res.body as { error?: { code: string } }).error?.code]).toEqual([path, status, code]);
      expect((res.body as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
    }
    // every refusal is counted by its code
    const after = s.server.stats().rejections;
    const added = (code: string) => (after[code] ?? 0) - (before[code] ?? 0);
    expect([added('body_too_large'), added('malformed_arrow'), added('unknown_series'), added('bad_batch')]).toEqual([
      1, 1, 1, 1,
    ]);
  });

  test('a refused batch keeps nothing of itself', async () => {
    const before = (await api(url(`/points?series=${loss.id}`))).body as ApiPoints;
    const res = await api(url('/ingest/points'), {
      method: 'POST',
      json: { series: [loss.id, 999_999], value: [1, 2] },
    });
    expect(res.status).toBe(404);
    await s.store.flush();
    expect(((await api(url(`/points?series=${loss.id}`))).body as ApiPoints).n).toEqual(before.n);
  });
});

describe('audit of issue 6: run list filters and Arrow log ingest', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer();
    for (const [id, name, tags, status] of [
      ['a1', 'resnet-50', ['vision', 'baseline'], 'completed'],
      ['a2', 'resnet-101', ['vision'], 'running'],
      ['a3', 'bert-base', ['nlp'], 'completed'],
    ] as const) {
      await api(`${s.url}/api/v1/runs`, {
        method: 'POST',
        json: { id, project: 'audit', name, tags: [...tags], status },
      });
    }
  });
  afterAll(() => s.stop());
  const ids = async (query: string) =>
    ((await api(`${s.url}/api/v1/runs?${query}`)).body as { runs: ApiRun[] }).runs.map((r) => r.id).sort();

  test('runs filter by project, status, name substring and tag, and page with limit/offset', async () => {
    expect(await ids('project=audit')).toEqual(['a1', 'a2', 'a3']);
    expect(await ids('project=audit&status=completed')).toEqual(['a1', 'a3']);
    expect(await ids('project=audit&name=resnet')).toEqual(['a1', 'a2']);
    expect(await ids('project=audit&tag=vision&status=running')).toEqual(['a2']);
    expect(await ids('project=audit&tag=nlp')).toEqual(['a3']);
    const page1 = await ids('project=audit&limit=2');
    const page2 = await ids('project=audit&limit=2&offset=2');
    expect([...page1, ...page2].sort()).toEqual(['a1', 'a2', 'a3']);
    expect(page2).toHaveLength(1);
    expect((await api(`${s.url}/api/v1/runs?limit=0`)).status).toBe(400);
  });

  test('log lines arrive as an Arrow IPC body too; bad columns are refused by name', async () => {
    const table = tableFromArrays({
      text: ['epoch 1', 'loss=0.5', 'warning: <script>x</script>'],
      stream: ['stdout', 'stdout', 'stderr'],
      level: ['info', 'info', 'warn'],
      time: Float64Array.from([1000, 2000, 3000]),
    });
    const posted = await api(`${s.url}/api/v1/runs/a1/logs`, {
      method: 'POST',
      body: tableToIPC(table, 'stream'),
      headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
    });
    expect([posted.status, posted.body]).toEqual([200, { accepted: 3 }]);
    await s.store.flush();
    const logs = ((await api(`${s.url}/api/v1/runs/a1/logs?tail=3`)).body as { logs: ApiLogLine[] }).logs;
    expect(logs.map((l) => [l.text, l.stream, l.level, l.time])).toEqual([
      ['epoch 1', 'stdout', 'info', 1000],
      ['loss=0.5', 'stdout', 'info', 2000],
      ['warning: <script>x</script>', 'stderr', 'warn', 3000],
    ]);
    for (const [bad, field] of [
      [tableFromArrays({ message: ['x'] }), 'text'],
      [tableFromArrays({ text: Float64Array.from([1]) }), 'text'],
      [tableFromArrays({ text: ['x'], stream: ['tty'] }), 'stream'],
      [tableFromArrays({ text: ['x'], time: Float64Array.from([Number.NaN]) }), 'time'],
    ] as const) {
      const res = await api(`${s.url}/api/v1/runs/a1/logs`, {
        method: 'POST',
        body: tableToIPC(bad, 'stream'),
        headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
      });
      expect([res.status, (res.body as { error: { field?: string } }).error.field]).toEqual([400, field]);
    }
    const garbage = await api(`${s.url}/api/v1/runs/a1/logs`, {
      method: 'POST',
      body: new Uint8Array([1, 2, 3]),
      headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
    });
    expect((garbage.body as { error: { code: string } }).error.code).toBe('malformed_arrow');
  });
});

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TrainingJobMetricsResponse } from '../src/index.js';
import { api, type Started, startServer } from './helpers/start.js';

const schema = JSON.parse(
  readFileSync(new URL('./fixtures/baseten-get-training-job-metrics-response.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** The transcribed schema, plus `additionalProperties: false` on every object with properties: nothing extra may appear. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = strict(v);
  if ('properties' in out && !('additionalProperties' in out)) out['additionalProperties'] = false;
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(strict(schema) as object);

const T0 = Date.parse('2026-01-02T03:04:05.000Z');

describe('POST /v1/training_projects/{project}/jobs/{job}/metrics', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer();
    await s.store.createRun({
      id: 'job1',
      project: 'proj',
      name: 'gpt-oss-job',
      host: {
        hostname: 'node-a',
        instanceType: 'H100x8',
        cpuCount: 16,
        memoryLimitBytes: 64 * 2 ** 30,
        gpuCount: 2,
        gpuType: 'H100',
        gpuMemoryBytes: 80 * 2 ** 30,
      },
    });
    await s.store.openRun('job1');
    const def = (name: string, node?: string) =>
      s.store.defineSeries('job1', { name, kind: 'system', ...(node ? { labels: { node } } : {}) }).id;
    const points: [number, number, number][] = [];
    for (const node of ['node-a', 'node-b']) {
      const k = node === 'node-a' ? 1 : 2;
      for (let i = 0; i < 3; i++) {
        const t = T0 + i * 1000;
        points.push([def('cpu/usage_cores', node), t, 1.5 * k]);
        points.push([def('memory/usage_bytes', node), t, 1e9 * k]);
        points.push([def('disk/usage_bytes', node), t, 5e9]);
        points.push([def('disk/utilization', node), t, 0.25]);
        points.push([def('gpu/0/utilization', node), t, 0.5 * k]);
        points.push([def('gpu/1/utilization', node), t, i === 1 ? Number.NaN : 0.75]);
        points.push([def('gpu/0/memory_used_bytes', node), t, 4e9 * k]);
        points.push([def('cache/usage_bytes', node), t, 1e6 * k]);
        points.push([def('cache/utilization', node), t, 0.1 * k]);
        points.push([def('train/loss'), t, 0.3]);
      }
    }
    s.store.ingestor.ingest({
      length: points.length,
      series: Uint32Array.from(points.map((p) => p[0])),
      x: new Float64Array(points.length).fill(Number.NaN),
      time: Float64Array.from(points.map((p) => p[1])),
      value: Float64Array.from(points.map((p) => p[2])),
    });
    await s.store.flush();
    await s.store.updateRun('job1', { status: 'failed', errorMessage: 'CUDA OOM', exitCode: 1 });
  });
  afterAll(() => s.stop());

  const metrics = (json: unknown, project = 'proj', job = 'job1') =>
    api(`${s.url}/v1/training_projects/${project}/jobs/${job}/metrics`, { method: 'POST', json });

  test('answers exactly GetTrainingJobMetricsResponseV1, with per-rank maps and per-node metrics', async () => {
    const res = await metrics({ start_epoch_millis: null, end_epoch_millis: null });
    expect(res.status).toBe(200);
    expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
    const body = res.body as TrainingJobMetricsResponse;
    // the leader is the run's own host
    expect(body.cpu_usage).toEqual([
      { value: 1.5, timestamp: '2026-01-02T03:04:05.000Z' },
      { value: 1.5, timestamp: '2026-01-02T03:04:06.000Z' },
      { value: 1.5, timestamp: '2026-01-02T03:04:07.000Z' },
    ]);
    expect(Object.keys(body.gpu_utilization).sort()).toEqual(['0', '1']);
    expect(body.gpu_utilization['0']?.[0]).toEqual({ value: 0.5, timestamp: '2026-01-02T03:04:05.000Z' });
    // NaN cannot be a JSON number: left out of this view, and counted in a header
    expect(body.gpu_utilization['1']).toHaveLength(2);
    expect(res.headers.get('trainscope-dropped-non-finite')).toBe('2'); // one NaN on each node's GPU 1
    expect(body.gpu_memory_usage_bytes['0']?.[0]?.value).toBe(4e9);
    expect(body.ephemeral_storage.utilization[0]?.value).toBe(0.25);
    expect(body.cache?.usage_bytes[0]?.value).toBe(1e6);
    expect(body.per_node_metrics.map((n) => n.node_id)).toEqual(['node-a', 'node-b']);
    expect(body.per_node_metrics[1]?.metrics.cpu_usage[0]?.value).toBe(3);
    expect(body.per_node_metrics[1]?.metrics.gpu_utilization['0']?.[0]?.value).toBe(1);
    expect(body.training_job).toEqual({
      id: 'job1',
      created_at: expect.any(String),
      current_status: 'TRAINING_JOB_FAILED',
      error_message: 'CUDA OOM',
      instance_type: {
        id: 'H100x8',
        name: 'H100x8',
        memory_limit_mib: 65536,
        millicpu_limit: 16000,
        gpu_count: 2,
        gpu_type: 'H100',
        gpu_memory_limit_mib: 81920,
      },
      updated_at: expect.any(String),
      training_project_id: 'proj',
      training_project: { id: 'proj', name: 'proj' },
      name: 'gpt-oss-job',
    });
  });

  test('limits points to [start, end] and accepts a missing body', async () => {
    const res = await metrics({ start_epoch_millis: T0 + 1000, end_epoch_millis: T0 + 1000 });
    expect(validate(res.body)).toBe(true);
    expect((res.body as { cpu_usage: unknown[] }).cpu_usage).toEqual([
      { value: 1.5, timestamp: '2026-01-02T03:04:06.000Z' },
    ]);
    const empty = await api(`${s.url}/v1/training_projects/proj/jobs/job1/metrics`, { method: 'POST' });
    expect(empty.status).toBe(200);
    expect(validate(empty.body)).toBe(true);
  });

  test('a job without system series still validates, with a null cache', async () => {
    await s.store.createRun({ id: 'bare', project: 'proj' });
    const res = await metrics({}, 'proj', 'bare');
    expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
    expect((res.body as { cache: unknown }).cache).toBeNull();
  });

  test('bad requests get stable codes', async () => {
    const after = await metrics({ start_epoch_millis: 10, end_epoch_millis: 5 });
    expect(after.status).toBe(400);
    expect(after.body).toMatchObject({ error: { code: 'bad_range', field: 'body/start_epoch_millis' } });
    const typed = await metrics({ start_epoch_millis: 'yesterday' });
    expect(typed.status).toBe(400);
    expect(typed.body).toMatchObject({ error: { code: 'invalid_request', field: 'body/start_epoch_millis' } });
    expect((await metrics({}, 'other', 'job1')).status).toBe(404);
    expect((await metrics({}, 'proj', 'nope')).body).toMatchObject({ error: { code: 'unknown_run' } });
    const broken = await api(`${s.url}/v1/training_projects/proj/jobs/job1/metrics`, {
      method: 'POST',
      body: '{"start_epoch_millis": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: { code: 'malformed_json' } });
  });
});

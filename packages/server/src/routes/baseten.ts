import { UnknownRunError } from '@trainscope/core';
import { ApiError } from '../api-error.js';
import { jobMetricsResponse, type SeriesPoints, slotOf } from '../baseten/job-metrics.js';
import type { RouteContext } from './context.js';

interface MetricsBody {
  start_epoch_millis?: number | null;
  end_epoch_millis?: number | null;
}

const PAGE = 1_000_000;

/**
 * Baseten's `POST /v1/training_projects/{project}/jobs/{job}/metrics`, answered from the run
 * `job` of project `project` with exactly `GetTrainingJobMetricsResponseV1`.
 */
export function basetenRoutes({ app, store }: RouteContext): void {
  app.post<{ Params: { training_project_id: string; training_job_id: string }; Body: MetricsBody | undefined }>(
    '/v1/training_projects/:training_project_id/jobs/:training_job_id/metrics',
    {
      preValidation: async (request) => {
        // Baseten's clients always send the body; an empty one means "all of it".
        request.body ??= {};
      },
      schema: {
        params: {
          type: 'object',
          required: ['training_project_id', 'training_job_id'],
          properties: {
            training_project_id: { type: 'string', minLength: 1, maxLength: 256 },
            training_job_id: { type: 'string', minLength: 1, maxLength: 128 },
          },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            start_epoch_millis: { type: ['integer', 'null'] },
            end_epoch_millis: { type: ['integer', 'null'] },
          },
        },
      },
    },
    async (request, reply) => {
      const { training_project_id: project, training_job_id: jobId } = request.params;
      const start = request.body?.start_epoch_millis ?? undefined;
      const end = request.body?.end_epoch_millis ?? undefined;
      if (start !== undefined && end !== undefined && start > end) {
        throw new ApiError(
          400,
          'bad_range',
          `start_epoch_millis (${start}) is after end_epoch_millis (${end}).`,
          'body/start_epoch_millis',
        );
      }
      const run = await store.getRun(jobId);
      if (run.project !== project) throw new UnknownRunError(`${project}/${jobId}`);
      const series = (await store.listSeries(run.id)).filter((s) => slotOf(s.name) !== null);
      const points: SeriesPoints[] = [];
      for (const s of series) {
        const time: Float64Array[] = [];
        const value: Float64Array[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.readPoints({
            series: [s.id],
            by: 'time',
            limit: PAGE,
            ...(start !== undefined ? { start } : {}),
            ...(end !== undefined ? { end } : {}),
            ...(cursor ? { cursor } : {}),
          });
          time.push(page.time);
          value.push(page.value);
          cursor = page.next ?? undefined;
        } while (cursor);
        points.push({ series: s, time: concat(time), value: concat(value) });
      }
      const { response, droppedNonFinite } = jobMetricsResponse(run, points);
      if (droppedNonFinite > 0) reply.header('trainscope-dropped-non-finite', String(droppedNonFinite));
      return response;
    },
  );
}

function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0] as Float64Array;
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

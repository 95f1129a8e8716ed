import { pointsToArrow } from '@trainscope/core';
import { tableToIPC } from 'apache-arrow';
import { ApiError } from '../api-error.js';
import { pointsToCsv, type SeriesLabel } from '../points-csv.js';
import { seriesIdList } from '../schemas.js';
import { pointsToWire } from '../to-wire.js';
import type { RouteContext } from './context.js';

/** Content type of Arrow IPC streams. */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

interface PointsQuerystring {
  series: string;
  by?: 'x' | 'time' | 'n';
  start?: number;
  end?: number;
  limit?: number;
  cursor?: string;
  format?: 'json' | 'csv' | 'arrow';
}

/** Full-resolution point reads (JSON, CSV, Arrow). */
export function pointRoutes({ app, store }: RouteContext): void {
  app.get<{ Querystring: PointsQuerystring }>(
    '/api/v1/points',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['series'],
          additionalProperties: false,
          properties: {
            series: seriesIdList,
            by: { type: 'string', enum: ['x', 'time', 'n'] },
            start: { type: 'number' },
            end: { type: 'number' },
            limit: { type: 'integer', minimum: 1, maximum: 1000000 },
            cursor: { type: 'string', maxLength: 256 },
            format: { type: 'string', enum: ['json', 'csv', 'arrow'] },
          },
        },
      },
    },
    async (request, reply) => {
      const { series, format = 'json', ...range } = request.query;
      if (range.start !== undefined && range.end !== undefined && range.start > range.end) {
        throw new ApiError(
          400,
          'bad_range',
          `start (${range.start}) is after end (${range.end}).`,
          'querystring/start',
        );
      }
      const ids = series.split(',').map(Number);
      const rows = await store.readPoints({ series: ids, ...range });
      if (rows.next) reply.header('trainscope-next-cursor', rows.next);
      if (format === 'arrow') {
        return reply.type(ARROW_STREAM).send(Buffer.from(tableToIPC(pointsToArrow(rows), 'stream')));
      }
      if (format === 'csv') {
        const labels = new Map<number, SeriesLabel>();
        for (const id of new Set(ids)) {
          const s = await store.getSeries(id);
          labels.set(id, { runId: s.runId, name: s.name });
        }
        return reply.type('text/csv; charset=utf-8').send(pointsToCsv(rows, labels, !range.cursor));
      }
      return pointsToWire(rows);
    },
  );
}

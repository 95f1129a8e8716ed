import type { ApiChartQuery } from '@trainscope/client';
import type { ChartData } from '@trainscope/core';
import { makeTable, tableToIPC } from 'apache-arrow';
import { ApiError } from '../api-error.js';
import { seriesParams } from '../schemas.js';
import { chartMetaToWire, chartToWire } from '../to-wire.js';
import type { RouteContext } from './context.js';
import { ARROW_STREAM } from './points.js';

/** Header carrying a chart's metadata (range, pixel exponent, last point) beside Arrow buckets. */
export const CHART_META_HEADER = 'trainscope-chart';

function chartToArrow(c: ChartData): Uint8Array {
  const b = c.buckets;
  return tableToIPC(
    makeTable({
      bucket: b.bucket,
      count: b.count,
      nan_count: b.nanCount,
      first_x: b.firstX,
      first_v: b.firstV,
      last_x: b.lastX,
      last_v: b.lastV,
      min_x: b.minX,
      min_v: b.minV,
      max_x: b.maxX,
      max_v: b.maxV,
    }),
    'stream',
  );
}

/** M4 chart reads: Arrow IPC by default (metadata in a header), JSON on request. */
export function chartRoutes({ app, store }: RouteContext): void {
  app.get<{ Params: { seriesId: number }; Querystring: ApiChartQuery & { format?: 'arrow' | 'json' } }>(
    '/api/v1/series/:seriesId/chart',
    {
      schema: {
        params: seriesParams,
        querystring: {
          type: 'object',
          required: ['width'],
          additionalProperties: false,
          properties: {
            width: { type: 'integer', minimum: 1, maximum: 100000 },
            start: { type: 'number' },
            end: { type: 'number' },
            axis: { type: 'string', enum: ['x', 'time'] },
            format: { type: 'string', enum: ['arrow', 'json'] },
          },
        },
      },
    },
    async (request, reply) => {
      const { format = 'arrow', ...query } = request.query;
      if (query.start !== undefined && query.end !== undefined && query.start > query.end) {
        throw new ApiError(
          400,
          'bad_range',
          `start (${query.start}) is after end (${query.end}).`,
          'querystring/start',
        );
      }
      const chart = await store.chart({ seriesId: request.params.seriesId, ...query });
      if (format === 'json') return chartToWire(chart);
      return reply
        .type(ARROW_STREAM)
        .header(CHART_META_HEADER, JSON.stringify(chartMetaToWire(chart)))
        .send(Buffer.from(chartToArrow(chart)));
    },
  );
}

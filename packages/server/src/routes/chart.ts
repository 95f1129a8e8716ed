import type { ApiChartQuery } from '@trainscope/client';
import type { ChartData } from '@trainscope/core';
import { makeTable, tableToIPC } from 'apache-arrow';
import { ApiError } from '../api-error.js';
import { seriesIdList, seriesParams } from '../schemas.js';
import { chartMetaToWire } from '../to-wire.js';
import { CHART_COLUMNS, chartJson } from './chart-json.js';
import type { RouteContext } from './context.js';
import { ARROW_STREAM } from './points.js';

/** Header carrying a chart's metadata (range, pixel exponent, last point) beside Arrow buckets. */
export const CHART_META_HEADER = 'trainscope-chart';

/** Most series one multi-series chart read takes (a chart overlays a handful; a compare view a few dozen). */
export const MAX_CHART_SERIES = 256;

const chartQueryProperties = {
  width: { type: 'integer', minimum: 1, maximum: 100000 },
  start: { type: 'number' },
  end: { type: 'number' },
  axis: { type: 'string', enum: ['x', 'time'] },
  format: { type: 'string', enum: ['arrow', 'json'] },
} as const;

function checkRange(query: { start?: number; end?: number }): void {
  if (query.start !== undefined && query.end !== undefined && query.start > query.end) {
    throw new ApiError(400, 'bad_range', `start (${query.start}) is after end (${query.end}).`, 'querystring/start');
  }
}

/** Bucket columns in wire order under their wire names, with a leading `series_id` when given. */
function chartsToArrow(charts: ChartData[], withSeriesId: boolean): Uint8Array {
  const total = charts.reduce((n, c) => n + c.buckets.length, 0);
  const seriesId = new Uint32Array(total);
  const columns: Record<string, Float64Array | Uint32Array> = withSeriesId ? { series_id: seriesId } : {};
  for (const [wire] of CHART_COLUMNS) columns[wire] = new Float64Array(total);
  let at = 0;
  for (const c of charts) {
    seriesId.fill(c.seriesId, at, at + c.buckets.length);
    for (const [wire, key] of CHART_COLUMNS) (columns[wire] as Float64Array).set(c.buckets[key], at);
    at += c.buckets.length;
  }
  return tableToIPC(makeTable(columns), 'stream');
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
          properties: chartQueryProperties,
        },
      },
    },
    async (request, reply) => {
      const { format = 'arrow', ...query } = request.query;
      checkRange(query);
      const chart = await store.chart({ seriesId: request.params.seriesId, ...query });
      if (format === 'json') return reply.type('application/json; charset=utf-8').send(chartJson(chart));
      return reply
        .type(ARROW_STREAM)
        .header(CHART_META_HEADER, JSON.stringify(chartMetaToWire(chart)))
        .send(Buffer.from(chartsToArrow([chart], false)));
    },
  );

  // Several series over one range in one request: a chart of four series asks once, not four
  // times, on every zoom. Same buckets as the one-series route, per series, in the order asked (each id once).
  app.get<{ Querystring: ApiChartQuery & { series: string; format?: 'arrow' | 'json' } }>(
    '/api/v1/chart',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['series', 'width'],
          additionalProperties: false,
          properties: { series: seriesIdList, ...chartQueryProperties },
        },
      },
    },
    async (request, reply) => {
      const { format = 'arrow', series, ...query } = request.query;
      checkRange(query);
      const ids = [...new Set(series.split(',').map(Number))];
      if (ids.length > MAX_CHART_SERIES) {
        throw new ApiError(
          400,
          'too_many_series',
          `A chart read takes at most ${MAX_CHART_SERIES} series, got ${ids.length}; split the request.`,
          'querystring/series',
        );
      }
      const charts = await Promise.all(ids.map((seriesId) => store.chart({ seriesId, ...query })));
      if (format === 'json') {
        return reply.type('application/json; charset=utf-8').send(`{"charts":[${charts.map(chartJson).join(',')}]}`);
      }
      return reply
        .type(ARROW_STREAM)
        .header(CHART_META_HEADER, JSON.stringify(charts.map(chartMetaToWire)))
        .send(Buffer.from(chartsToArrow(charts, true)));
    },
  );
}

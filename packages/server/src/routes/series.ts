import type { ApiSeriesDef } from '@trainscope/client';
import { type SeriesDef, UnknownSeriesError, validateSeriesName } from '@trainscope/core';
import { runParams, seriesDef, seriesIdList, seriesParams } from '../schemas.js';
import { seriesToWire, summaryToWire } from '../to-wire.js';
import type { RouteContext } from './context.js';

function defFromWire(d: ApiSeriesDef): SeriesDef {
  const def: SeriesDef = { name: d.name };
  if (d.kind !== undefined) def.kind = d.kind;
  if (d.type !== undefined) def.type = d.type;
  if (d.group !== undefined) def.group = d.group;
  if (d.x_scale !== undefined) def.xScale = d.x_scale;
  if (d.scale !== undefined) def.scale = d.scale;
  if (d.unit !== undefined) def.unit = d.unit;
  if (d.labels !== undefined) def.labels = d.labels;
  return def;
}

/** Series of a run: list, define (name to id, for remote writers), get, summaries. */
export function seriesRoutes({ app, store }: RouteContext): void {
  app.get<{ Params: { runId: string } }>(
    '/api/v1/runs/:runId/series',
    { schema: { params: runParams } },
    async (request) => ({ series: (await store.listSeries(request.params.runId)).map(seriesToWire) }),
  );

  app.post<{ Params: { runId: string }; Body: { series: ApiSeriesDef[] } }>(
    '/api/v1/runs/:runId/series',
    {
      schema: {
        params: runParams,
        body: {
          type: 'object',
          required: ['series'],
          additionalProperties: false,
          properties: { series: { type: 'array', items: seriesDef, minItems: 1, maxItems: 10000 } },
        },
      },
    },
    async (request) => {
      const { runId } = request.params;
      await store.openRun(runId);
      // Check every name before defining any, so a bad name defines nothing.
      const defs = request.body.series.map(defFromWire);
      for (const def of defs) validateSeriesName(def.name);
      return { series: defs.map((def) => seriesToWire(store.defineSeries(runId, def))) };
    },
  );

  app.get<{ Params: { seriesId: number } }>(
    '/api/v1/series/:seriesId',
    { schema: { params: seriesParams } },
    async (request) => seriesToWire(await store.getSeries(request.params.seriesId)),
  );

  app.get<{ Params: { runId: string }; Querystring: { series?: string } }>(
    '/api/v1/runs/:runId/summaries',
    {
      schema: {
        params: runParams,
        querystring: { type: 'object', additionalProperties: false, properties: { series: seriesIdList } },
      },
    },
    async (request) => {
      const all = await store.listSeries(request.params.runId);
      const ids = request.query.series ? request.query.series.split(',').map(Number) : all.map((s) => s.id);
      const own = new Set(all.map((s) => s.id));
      const foreign = ids.find((id) => !own.has(id));
      if (foreign !== undefined) {
        throw new UnknownSeriesError(foreign, request.params.runId);
      }
      return { summaries: (await store.summaries(ids)).map(summaryToWire) };
    },
  );
}

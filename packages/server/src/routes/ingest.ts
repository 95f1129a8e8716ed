import type { ApiIngestResult, ApiPointBatch } from '@trainscope/client';
import type { PointBatch, Store } from '@trainscope/core';
import { applyStart, parseStartMap, startFromMetadata } from '../ingest-start.js';
import { batchFromJson, batchFromTable, tableFromBody } from '../parse-batch.js';
import { wireNumber } from '../schemas.js';
import type { RouteContext } from './context.js';
import { ARROW_STREAM } from './points.js';

/** Points pending in the ingestor beyond which a request waits for a flush (back-pressure). */
const PENDING_HIGH_WATER = 2_000_000;

function seriesIn(batch: PointBatch): Set<number> {
  const ids = new Set<number>();
  let last = -1;
  for (const id of batch.series) {
    if (id !== last) ids.add(id);
    last = id;
  }
  return ids;
}

/**
 * Stores a batch, first dropping what a resending writer's `start` map says the store holds.
 * Requests pass one at a time: reading the next positions and handing the batch to the
 * ingestor happen with no await between them, so two resends of one batch cannot both land.
 */
function ingester(store: Store): (batch: PointBatch, start: Map<number, number> | null) => Promise<ApiIngestResult> {
  let queue: Promise<unknown> = Promise.resolve();
  const one = async (batch: PointBatch, start: Map<number, number> | null): Promise<ApiIngestResult> => {
    const ids = seriesIn(batch);
    for (const id of start?.keys() ?? []) ids.add(id);
    if (ids.size > 0) await store.loadSeries(ids);
    if (store.ingestor.pending + batch.length > PENDING_HIGH_WATER) await store.ingestor.flush();
    const next = (id: number) => store.ingestor.nextIndex(id);
    const plan = start ? applyStart(batch, start, next) : { batch, skipped: 0 };
    if (plan.batch.length > 0) store.ingestor.ingest(plan.batch);
    return {
      accepted: plan.batch.length,
      skipped: plan.skipped,
      next: Object.fromEntries([...ids].map((id) => [id, next(id)])),
    };
  };
  return (batch, start) => {
    const result = queue.then(() => one(batch, start));
    queue = result.catch(() => {});
    return result;
  };
}

/** Point ingest for remote writers: JSON columns or an Arrow IPC body, optionally with `start`. */
export function ingestRoutes({ app, store }: RouteContext): void {
  const ingest = ingester(store);
  app.post<{ Body: ApiPointBatch | Buffer }>(
    '/api/v1/ingest/points',
    {
      schema: {
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['series', 'value'],
                additionalProperties: false,
                properties: {
                  series: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
                  x: { type: 'array', items: { type: ['number', 'null'] } },
                  time: { type: 'array', items: { type: 'number' } },
                  value: { type: 'array', items: wireNumber },
                  start: {
                    type: 'object',
                    maxProperties: 100000,
                    additionalProperties: { type: 'integer', minimum: 0 },
                  },
                },
              },
            },
            [ARROW_STREAM]: { schema: {} },
            'application/vnd.apache.arrow.file': { schema: {} },
          },
        },
      },
    },
    async (request) => {
      const body = request.body;
      const now = Date.now();
      if (Buffer.isBuffer(body)) {
        const table = tableFromBody(body);
        return ingest(batchFromTable(table, now), startFromMetadata(table.schema.metadata));
      }
      const start = body.start === undefined ? null : parseStartMap(body.start, 'body/start');
      return ingest(batchFromJson(body, now), start);
    },
  );
}

import type { ApiLogInput } from '@trainscope/client';
import type { LogInput } from '@trainscope/core';
import { runParams } from '../schemas.js';
import { logToWire } from '../to-wire.js';
import type { RouteContext } from './context.js';

/** Log lines of a run: tail or from a position; append. */
export function logRoutes({ app, store }: RouteContext): void {
  app.get<{ Params: { runId: string }; Querystring: { tail?: number; from?: number; limit?: number } }>(
    '/api/v1/runs/:runId/logs',
    {
      schema: {
        params: runParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tail: { type: 'integer', minimum: 0, maximum: 100000 },
            from: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 100000 },
          },
        },
      },
    },
    async (request) => ({ logs: (await store.readLogs(request.params.runId, request.query)).map(logToWire) }),
  );

  app.post<{ Params: { runId: string }; Body: { lines: ApiLogInput[] } }>(
    '/api/v1/runs/:runId/logs',
    {
      schema: {
        params: runParams,
        body: {
          type: 'object',
          required: ['lines'],
          additionalProperties: false,
          properties: {
            lines: {
              type: 'array',
              maxItems: 100000,
              items: {
                type: 'object',
                required: ['text'],
                additionalProperties: false,
                properties: {
                  text: { type: 'string', maxLength: 1048576 },
                  stream: { type: 'string', enum: ['stdout', 'stderr', 'sdk', 'system'] },
                  level: { type: 'string', maxLength: 32 },
                  time: { type: 'number' },
                  metadata: { type: 'object' },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { runId } = request.params;
      await store.openRun(runId);
      store.appendLogs(runId, request.body.lines as LogInput[]);
      return { accepted: request.body.lines.length };
    },
  );
}

import type { ApiLogInput } from '@trainscope/client';
import type { LogInput } from '@trainscope/core';
import { tableFromBody } from '../parse-batch.js';
import { logsFromTable, MAX_LOG_LINES, MAX_LOG_TEXT } from '../parse-logs.js';
import { runParams } from '../schemas.js';
import { logToWire } from '../to-wire.js';
import type { RouteContext } from './context.js';
import { ARROW_STREAM } from './points.js';

/** Log lines of a run: tail or from a position; append (JSON or an Arrow IPC body). */
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

  app.post<{ Params: { runId: string }; Body: { lines: ApiLogInput[] } | Buffer }>(
    '/api/v1/runs/:runId/logs',
    {
      schema: {
        params: runParams,
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['lines'],
                additionalProperties: false,
                properties: {
                  lines: {
                    type: 'array',
                    maxItems: MAX_LOG_LINES,
                    items: {
                      type: 'object',
                      required: ['text'],
                      additionalProperties: false,
                      properties: {
                        text: { type: 'string', maxLength: MAX_LOG_TEXT },
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
            [ARROW_STREAM]: { schema: {} },
            'application/vnd.apache.arrow.file': { schema: {} },
          },
        },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const body = request.body;
      const lines = Buffer.isBuffer(body) ? logsFromTable(tableFromBody(body)) : (body.lines as LogInput[]);
      await store.openRun(runId);
      store.appendLogs(runId, lines);
      return { accepted: lines.length };
    },
  );
}

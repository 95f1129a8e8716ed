import type { ApiRun, ApiRunInput, ApiRunPatch, ApiRunStatus } from '@trainscope/client';
import type { HostInfo, RunPatch } from '@trainscope/core';
import { hostFacts, runParams, runStatus } from '../schemas.js';
import { projectToWire, runToWire, summaryToWire } from '../to-wire.js';
import type { RouteContext } from './context.js';

interface RunListQuery {
  project?: string;
  status?: ApiRunStatus;
  name?: string;
  tag?: string;
  limit?: number;
  offset?: number;
  summaries?: string;
}

/** Projects and runs: list with filters and summaries, get, create, patch. */
export function runRoutes({ app, store }: RouteContext): void {
  app.get('/api/v1/projects', async () => ({ projects: (await store.listProjects()).map(projectToWire) }));

  app.get<{ Querystring: RunListQuery }>(
    '/api/v1/runs',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            project: { type: 'string', maxLength: 256 },
            status: runStatus,
            name: { type: 'string', maxLength: 256 },
            tag: { type: 'string', maxLength: 256 },
            limit: { type: 'integer', minimum: 1, maximum: 100000 },
            offset: { type: 'integer', minimum: 0 },
            summaries: { type: 'string', maxLength: 8192 },
          },
        },
      },
    },
    async (request) => {
      const { summaries, ...filter } = request.query;
      const runs = await store.listRuns(filter);
      const wanted = summaries ? [...new Set(summaries.split(',').filter(Boolean))] : null;
      // One query for every run of the page (a run table of 1,000 runs x 1,000 series asked for
      // each run's series one by one took a minute).
      const byRun = wanted
        ? await store.runSummaries(
            runs.map((r) => r.id),
            wanted,
          )
        : null;
      const out: ApiRun[] = [];
      for (const run of runs) {
        const wire = runToWire(run);
        if (byRun) {
          wire.summaries = {};
          for (const [name, s] of byRun.get(run.id) ?? []) wire.summaries[name] = summaryToWire(s);
        }
        out.push(wire);
      }
      return { runs: out };
    },
  );

  app.get<{ Params: { runId: string } }>('/api/v1/runs/:runId', { schema: { params: runParams } }, async (request) =>
    runToWire(await store.getRun(request.params.runId)),
  );

  app.post<{ Body: ApiRunInput }>(
    '/api/v1/runs',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 128 },
            project: { type: 'string', minLength: 1, maxLength: 256 },
            name: { type: 'string', maxLength: 256 },
            status: runStatus,
            params: { type: 'object' },
            tags: { type: 'array', items: { type: 'string', maxLength: 256 }, maxItems: 256 },
            host: hostFacts,
            started_at: { type: 'number' },
          },
        },
      },
    },
    async (request, reply) => {
      const { started_at, host, ...rest } = request.body ?? {};
      const run = await store.createRun({
        ...rest,
        ...(host ? { host: host as HostInfo } : {}),
        ...(started_at !== undefined ? { startedAt: started_at } : {}),
      });
      return reply.code(201).send(runToWire(run));
    },
  );

  app.patch<{ Params: { runId: string }; Body: ApiRunPatch }>(
    '/api/v1/runs/:runId',
    {
      schema: {
        params: runParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 256 },
            status: runStatus,
            started_at: { type: ['number', 'null'] },
            ended_at: { type: ['number', 'null'] },
            exit_code: { type: ['integer', 'null'] },
            error_message: { type: ['string', 'null'], maxLength: 65536 },
            params: { type: 'object' },
            tags: { type: 'array', items: { type: 'string', maxLength: 256 }, maxItems: 256 },
            host: hostFacts,
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const patch: RunPatch = {};
      if (b.name !== undefined) patch.name = b.name;
      if (b.status !== undefined) patch.status = b.status;
      if (b.started_at !== undefined) patch.startedAt = b.started_at;
      if (b.ended_at !== undefined) patch.endedAt = b.ended_at;
      if (b.exit_code !== undefined) patch.exitCode = b.exit_code;
      if (b.error_message !== undefined) patch.errorMessage = b.error_message;
      if (b.params !== undefined) patch.params = b.params;
      if (b.tags !== undefined) patch.tags = b.tags;
      if (b.host !== undefined) patch.host = b.host as HostInfo;
      return runToWire(await store.updateRun(request.params.runId, patch));
    },
  );
}

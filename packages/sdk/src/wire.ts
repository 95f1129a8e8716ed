import type { ApiRun, ApiSeries } from '@trainscope/client';
import type { Run, Series } from '@trainscope/core';

/** A run from the API's wire form. */
export function runFromApi(run: ApiRun): Run {
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  return {
    id: run.id,
    project: run.project,
    name: run.name,
    status: run.status,
    createdAt: Date.parse(run.created_at),
    startedAt: ms(run.started_at),
    endedAt: ms(run.ended_at),
    exitCode: run.exit_code,
    errorMessage: run.error_message,
    params: run.params,
    tags: run.tags,
    host: run.host,
  };
}

/** A series from the API's wire form. */
export function seriesFromApi(s: ApiSeries): Series {
  return {
    id: s.id,
    runId: s.run_id,
    name: s.name,
    kind: s.kind,
    type: s.type,
    group: s.group,
    xScale: s.x_scale,
    scale: s.scale,
    unit: s.unit,
    labels: s.labels,
  };
}

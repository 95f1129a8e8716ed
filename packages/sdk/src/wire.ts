import type { ApiLogInput, ApiRun, ApiRunPatch, ApiSeries, ApiSeriesDef } from '@trainscope/client';
import type { LogInput, Run, RunPatch, Series, SeriesDef } from '@trainscope/core';

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

/** A series definition in the API's wire form (`POST /runs/{id}/series`). */
export function seriesDefToApi(d: SeriesDef): ApiSeriesDef {
  return {
    name: d.name,
    ...(d.kind ? { kind: d.kind } : {}),
    ...(d.type ? { type: d.type } : {}),
    ...(d.group ? { group: d.group } : {}),
    ...(d.unit ? { unit: d.unit } : {}),
    ...(d.labels ? { labels: d.labels } : {}),
    ...(d.scale ? { scale: d.scale } : {}),
    ...(d.xScale ? { x_scale: d.xScale } : {}),
  };
}

/** A log line in the API's wire form (`POST /runs/{id}/logs`). */
export function logToApi(l: LogInput): ApiLogInput {
  return {
    text: l.text,
    ...(l.stream ? { stream: l.stream } : {}),
    ...(l.level ? { level: l.level } : {}),
    ...(l.time !== undefined ? { time: l.time } : {}),
    ...(l.metadata ? { metadata: l.metadata } : {}),
  };
}

/** A run patch in the API's wire form (`PATCH /runs/{id}`). */
export function runPatchToApi(patch: RunPatch): ApiRunPatch {
  return {
    ...(patch.status !== undefined ? { status: patch.status } : {}),
    ...(patch.errorMessage !== undefined ? { error_message: patch.errorMessage } : {}),
    ...(patch.exitCode !== undefined ? { exit_code: patch.exitCode } : {}),
    ...(patch.params !== undefined ? { params: patch.params } : {}),
    ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
    ...(patch.name !== undefined ? { name: patch.name } : {}),
  };
}

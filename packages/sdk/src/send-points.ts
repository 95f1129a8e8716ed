import type { PointsInput, TrainscopeClient } from '@trainscope/client';

/** The server's answer to a batch: points stored, points it already held, and each series' next position. */
export interface IngestAck {
  accepted: number;
  skipped: number;
  next: Record<string, number>;
}

/**
 * Sends points with the position of each series' first point (`start`, server ids as keys), so a
 * resent batch is not stored twice (`POST /api/v1/ingest/points`, idempotent ingest contract).
 */
export async function sendPoints(
  client: TrainscopeClient,
  points: PointsInput,
  start: Record<string, number>,
): Promise<IngestAck> {
  const ingest = client.ingest as (
    points: PointsInput,
    options?: { start?: Record<string, number> },
  ) => Promise<unknown>;
  const answer = await ingest.call(client, points, { start });
  if (typeof answer === 'number') return { accepted: answer, skipped: 0, next: {} };
  return answer as IngestAck;
}

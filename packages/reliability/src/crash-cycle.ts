import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Store } from '@trainscope/core';
import { checkIntegrity } from './integrity.js';

const WRITER = fileURLToPath(new URL('./crash-writer-main.ts', import.meta.url));

/** Options of one crash cycle. */
export interface CrashCycleOptions {
  /** Series written in lockstep. @default 4 */
  series?: number;
  /** Points per batch (all series together). @default 65536 */
  batch?: number;
  /** How long after `ready` the writer is killed, ms. */
  killAfterMs: number;
  /** Wait for the writer's first commit before counting `killAfterMs`. @default false */
  afterCommit?: boolean;
  /** Points acknowledged longer than this before the kill must be stored, ms. @default 1000 */
  windowMs?: number;
  /** Passed to `checkIntegrity` as `fromN` (0: the whole check). @default 0 */
  checkFromN?: number;
}

/** What one kill -9 and restart showed. */
export interface CrashCycleResult {
  /** Points per series when the writer started. */
  startedAt: number;
  /** Highest acknowledged point number (exclusive) before the kill. */
  lastAck: number;
  /** Highest point number the writer reported committed before the kill. */
  durable: number;
  /** Highest point number acknowledged more than `windowMs` before the kill. */
  ackedBeforeWindow: number;
  /** Points per series found after the restart. */
  stored: number;
  /** Points (all series) acknowledged before the window but missing after the restart. */
  lostBeyondWindow: number;
  /** Age at the kill of the oldest acknowledgement whose points were lost, ms (null: none lost). */
  oldestLostAckMs: number | null;
  /** Time to open the store after the kill (WAL replay included), ms. */
  recoveryMs: number;
  /** Acknowledged points per second (all series) while it ran. */
  pointsPerSecond: number;
  /** Integrity problems found after the restart (empty when consistent). */
  problems: string[];
}

/**
 * Starts the crash writer on `dir`, kills it with SIGKILL `killAfterMs` after it is ready, then
 * reopens the store (timed), counts what it holds, and checks its integrity.
 */
export async function crashCycle(dir: string, options: CrashCycleOptions): Promise<CrashCycleResult> {
  const seriesCount = options.series ?? 4;
  const windowMs = options.windowMs ?? 1000;
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', WRITER, dir, String(seriesCount), String(options.batch ?? 65_536)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const acks: [number, number][] = [];
  let startedAt = -1;
  let durable = 0;
  let readyAt = 0;
  let onCommit = () => {};
  const committed = new Promise<void>((resolve) => {
    onCommit = resolve;
  });
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, n] = line.split(' ');
      if (word === 'ready') {
        startedAt = Number(n);
        durable = startedAt;
        readyAt = Date.now();
        resolve();
      } else if (word === 'ack') acks.push([Number(n), Date.now()]);
      else if (word === 'durable') {
        durable = Number(n);
        onCommit();
      }
    });
    child.once('exit', (code) => reject(new Error(`crash writer exited with ${code} before ready: ${stderr}`)));
  });
  await ready;
  if (options.afterCommit) await committed;
  await new Promise((resolve) => setTimeout(resolve, options.killAfterMs));
  child.kill('SIGKILL');
  const killedAt = Date.now();
  await exited;

  const lastAck = acks.at(-1)?.[0] ?? startedAt;
  let ackedBeforeWindow = startedAt;
  for (const [n, at] of acks) if (at <= killedAt - windowMs) ackedBeforeWindow = n;
  const first = acks[0];
  const pointsPerSecond =
    first && acks.length > 1
      ? ((lastAck - startedAt) * seriesCount) / (((acks.at(-1)?.[1] ?? readyAt) - readyAt) / 1000)
      : 0;

  const openStart = performance.now();
  const store = await Store.open({ dir });
  const recoveryMs = performance.now() - openStart;
  await store.close();

  const report = await checkIntegrity(dir, { valueIsN: true, fromN: options.checkFromN ?? 0 });
  const counts = [...report.counts.values()];
  const stored = counts.length === 0 ? 0 : Math.min(...counts);
  if (counts.length > 0 && Math.max(...counts) !== stored) {
    report.problems.push(`series hold different counts after a lockstep write: ${counts.join(', ')}`);
  }
  const lostAck = acks.find(([n]) => n > stored);
  return {
    startedAt,
    lastAck,
    durable,
    ackedBeforeWindow,
    stored,
    lostBeyondWindow: Math.max(0, ackedBeforeWindow - stored) * seriesCount,
    oldestLostAckMs: lostAck ? killedAt - lostAck[1] : null,
    recoveryMs,
    pointsPerSecond,
    problems: report.problems,
  };
}

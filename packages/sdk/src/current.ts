import { AsyncLocalStorage } from 'node:async_hooks';
import { ExperimentStateError } from './errors.js';
import type { MetricHost } from './metric-host.js';

const scoped = new AsyncLocalStorage<MetricHost>();
const opened: MetricHost[] = [];

/** Runs `fn` with `host` as the experiment metrics created without one record into. */
export function withCurrent<T>(host: MetricHost, fn: () => T): T {
  return scoped.run(host, fn);
}

/** Notes an opened experiment (the fallback for metrics outside any `experiment.run`). */
export function noteOpened(host: MetricHost): void {
  opened.push(host);
}

/** Forgets a closed experiment. */
export function noteClosed(host: MetricHost): void {
  const i = opened.lastIndexOf(host);
  if (i >= 0) opened.splice(i, 1);
}

/**
 * The experiment a metric without one records into: the one whose `run(fn)` is running, else the
 * most recently opened one still open. Throws `ExperimentStateError` when there is none.
 */
export function currentHost(name: string): MetricHost {
  const host = scoped.getStore();
  if (host && !host.closed) return host;
  const last = opened.at(-1);
  if (last) return last;
  throw new ExperimentStateError(
    'no_experiment',
    `Metric "${name}" has no experiment to record into: open one first (await new Experiment(...).open(), or experiment.run(fn)), or pass { experiment }.`,
  );
}

/**
 * A small TypeScript training loop logging through @trainscope/sdk in both styles:
 * ml-dash (`experiment.metrics.log`, prefixes, append, summary cache, params, log) and
 * Coflux (`Metric`, `MetricGroup`, `MetricScale`, `progress`).
 *
 *   node --import tsx examples/train.ts                  # into ./.trainscope (or TRAINSCOPE_DIR)
 *   trainscope run -- node --import tsx examples/train.ts  # into the run `trainscope run` made
 *
 * Options: --epochs N (default 5), --batches N per epoch (default 50), --fail-at EPOCH (throw there).
 */
import { Experiment, Metric, MetricGroup, MetricScale, progress } from '@trainscope/sdk';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) ? value : fallback;
}

const epochs = option('epochs', 5);
const batches = option('batches', 50);
const failAt = option('fail-at', -1);

/** A pretend model: loss decays with noise, accuracy rises towards 1. */
function trainStep(step: number): { loss: number; accuracy: number } {
  const loss = 2 * Math.exp(-step / 120) + 0.05 * Math.random();
  return { loss, accuracy: 1 - loss / 2.2 };
}

// Coflux style: metrics declared up front, bound to the experiment that runs them.
const training = new MetricGroup('training', { units: 'epoch', lower: 0, upper: epochs });
const epochLoss = new Metric('epoch/loss', { group: training, scale: new MetricScale('loss') });
const epochAccuracy = new Metric('epoch/accuracy', {
  group: training,
  scale: new MetricScale('pct', { units: '%', lower: 0, upper: 100 }),
});
const throughput = new Metric('system/samples_per_s', { scale: new MetricScale('rate', { units: 'samples/s' }) });

const experiment = new Experiment({ name: 'ts-example', project: 'examples' });
const report = await experiment.run(async (e) => {
  await e.params.set({ optimizer: { name: 'adam', lr: 1e-3 }, batch_size: 32, epochs });
  e.log('Starting training', { metadata: { mode: e.mode } });
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (epoch === failAt) throw new Error(`loss diverged at epoch ${epoch}`);
    const started = performance.now();
    for (const _batch of progress(Array.from({ length: batches }), { key: 'epoch_progress', group: 'progress' })) {
      const { loss, accuracy } = trainStep(step++);
      e.metrics('train').summaryCache.store({ loss, accuracy }); // per batch, summarised per epoch
      e.metrics.log({ step, batch: { loss } }).flush(); // one record per step, x = step
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    e.metrics('train').summaryCache.set({ epoch });
    const summary = e.metrics('train').summaryCache.summarize(); // appends loss.mean, loss.min, ...
    const evalLoss = (summary?.['loss.mean'] as number) * 1.1;

    // ml-dash: prefixes, then one record with a shared x (the epoch)
    e.metrics('eval').log({ loss: evalLoss, accuracy: 1 - evalLoss / 2.2 });
    e.metrics.log({ epoch }).flush();

    epochLoss.record(summary?.['loss.mean'] as number, { at: epoch });
    epochAccuracy.record(100 * (summary?.['accuracy.mean'] as number), { at: epoch });
    throughput.record((batches * 32) / ((performance.now() - started) / 1000));
    e.log(`Epoch ${epoch + 1}/${epochs} complete`, { metadata: { eval_loss: evalLoss } });
  }
  const read = await e.metrics('train').read({ startIndex: 0, limit: epochs });
  e.log('Training complete');
  return { runId: e.runId, summaries: read.count };
});
process.stdout.write(`run ${report.runId}: ${epochs} epochs, ${report.summaries} summary records read back\n`);

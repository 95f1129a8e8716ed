/**
 * The bundled demo: a small training loop that needs nothing but Node. It prints Keras 3 style
 * progress (bold counters, ━ bars, \r redraws, `- loss: 0.1234` pairs, `val_*` at epoch end) and
 * FloydHub JSON metric lines, and sends statsd counters, gauges and timers to STATSD_HOST:PORT.
 * Under `trainscope run` all of it becomes series with no SDK.
 *
 * Environment: DEMO_EPOCHS (default 10), DEMO_STEPS (steps per epoch, default 150),
 * DEMO_STEP_MS (default 40), DEMO_FAIL_AT_EPOCH (raise an error at that epoch).
 */
import { createSocket } from 'node:dgram';

const epochs = Number(process.env['DEMO_EPOCHS'] ?? 10);
const steps = Number(process.env['DEMO_STEPS'] ?? 150);
const stepMs = Number(process.env['DEMO_STEP_MS'] ?? 40);
const failAt = process.env['DEMO_FAIL_AT_EPOCH'] ? Number(process.env['DEMO_FAIL_AT_EPOCH']) : null;

const statsdPort = Number(process.env['STATSD_PORT'] ?? 0);
const statsdHost = process.env['STATSD_HOST'] ?? '127.0.0.1';
const udp = statsdPort ? createSocket(statsdHost.includes(':') ? 'udp6' : 'udp4') : null;
let inFlight = 0;
function statsd(lines: string[]): void {
  if (!udp) return;
  inFlight++;
  udp.send(lines.join('\n'), statsdPort, statsdHost, () => {
    inFlight--;
  });
}

const BAR = 20;
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
function bar(done: number): string {
  const filled = Math.floor((done / steps) * BAR);
  return `\x1b[32m${'━'.repeat(filled)}\x1b[0m\x1b[37m${'━'.repeat(BAR - filled)}\x1b[0m`;
}
const f4 = (v: number) => v.toFixed(4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let seed = 42;
function noise(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32 - 0.5;
}

let globalStep = 0;
let previous = '';
for (let epoch = 1; epoch <= epochs; epoch++) {
  process.stdout.write(`Epoch ${epoch}/${epochs}\n`);
  let loss = 0;
  let acc = 0;
  const started = Date.now();
  for (let step = 1; step <= steps; step++) {
    await sleep(stepMs);
    globalStep++;
    const t = globalStep / (epochs * steps);
    const stepLoss = 2.3 * Math.exp(-3 * t) + 0.08 + 0.05 * noise();
    const stepAcc = Math.min(0.99, 0.1 + 0.85 * (1 - Math.exp(-4 * t)) + 0.03 * noise());
    loss += (stepLoss - loss) / step;
    acc += (stepAcc - acc) / step;
    statsd([
      `samples_processed:32|c`,
      `batch_time:${(stepMs * (1 + 0.2 * noise())).toFixed(1)}|ms`,
      `queue_depth:${Math.round(8 + 6 * noise())}|g`,
    ]);
    if (failAt === epoch && step === Math.ceil(steps / 2)) {
      process.stdout.write('\n');
      process.stderr.write('Traceback (most recent call last):\n  File "train.py", line 42, in <module>\n');
      process.stderr.write('RuntimeError: CUDA out of memory (simulated by DEMO_FAIL_AT_EPOCH)\n');
      process.exit(1);
    }
    if (step % 5 === 0 || step === 1 || step === steps) {
      const msPerStep = Math.round((Date.now() - started) / step);
      const eta = Math.round(((steps - step) * msPerStep) / 1000);
      const head = `${bold(`${String(step).padStart(String(steps).length)}/${steps}`)} ${bar(step)} ${bold(`${eta}s`)} ${msPerStep}ms/step`;
      let line = `${head} - accuracy: ${f4(acc)} - loss: ${f4(loss)}`;
      if (step === steps) {
        const valLoss = loss * (1.05 + 0.05 * noise());
        const valAcc = acc * (0.98 + 0.02 * noise());
        line += ` - val_accuracy: ${f4(valAcc)} - val_loss: ${f4(valLoss)}`;
      }
      process.stdout.write(`${'\b'.repeat(previous.length)}\r${line}${step === steps ? '\n' : ''}`);
      previous = step === steps ? '' : line;
    }
  }
  const lr = 1e-3 * 0.5 ** Math.floor((epoch - 1) / 3);
  process.stdout.write(`${JSON.stringify({ metric: 'learning_rate', value: lr, epoch })}\n`);
  process.stdout.write(
    `${JSON.stringify({ metric: 'grad_norm', value: Number((1.5 * Math.exp(-epoch / 4) + 0.1).toFixed(4)), step: globalStep })}\n`,
  );
}
// Let the last datagrams leave before closing the socket.
while (inFlight > 0) await sleep(5);
udp?.close();

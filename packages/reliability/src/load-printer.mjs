// A training script for the load benchmark: prints `rate` JSON metric lines a second for
// `seconds`, and sends one statsd counter packet per 100 lines to STATSD_HOST:STATSD_PORT.
// load-printer.mjs <rate> <seconds>
import { createSocket } from 'node:dgram';

const [rateText = '10000', secondsText = '5'] = process.argv.slice(2);
const rate = Number(rateText);
const total = rate * Number(secondsText);
const socket = createSocket('udp4');
const port = Number(process.env.STATSD_PORT);
const host = process.env.STATSD_HOST ?? '127.0.0.1';
const start = Date.now();
let printed = 0;
const tick = () => {
  const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
  let text = '';
  const from = printed;
  for (; printed < due; printed++) text += `{"metric": "m", "value": ${printed}, "step": ${printed}}\n`;
  if (text) process.stdout.write(text);
  const packets = Math.floor(printed / 100) - Math.floor(from / 100);
  for (let i = 0; i < packets; i++) if (port) socket.send('load.lines:100|c', port, host);
  if (printed < total) setTimeout(tick, 10);
  else setTimeout(() => socket.close(), 50);
};
tick();

import { createSocket } from 'node:dgram';
import { testPlugin } from '@trainscope/core/conformance';
import { type StatsdPlugin, statsdPlugin } from '../src/plugin.js';
import { until } from './helpers/recording-context.js';

const packets = [
  'steps:1|c\nsteps:2|c|@0.5\nloss:0.5|g\nloss:+0.25|g|#gpu:0',
  'step_time:12|ms\nstep_time:30|ms\ntokens:3:4|h\nusers:a|s\nbad line',
];

async function send(port: number): Promise<void> {
  const socket = createSocket('udp4');
  for (const packet of packets) {
    await new Promise<void>((resolve, reject) =>
      socket.send(packet, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
  socket.close();
}

for (const udpReceiver of process.platform === 'linux' ? (['recvmmsg', 'dgram'] as const) : (['dgram'] as const)) {
  testPlugin<StatsdPlugin>({
    title: `plugin conformance: statsd (UDP read with ${udpReceiver})`,
    create: () => statsdPlugin({ port: 0, udpReceiver }),
    async exercise(plugin) {
      await send(plugin.address().udp?.port as number);
      await until(() => plugin.stats().packets === packets.length, 'the packets');
    },
  });
}

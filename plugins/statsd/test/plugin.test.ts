import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidNameError } from '@trainscope/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type StatsdPlugin, statsdPlugin } from '../src/plugin.js';
import { recordingContext, until } from './helpers/recording-context.js';

const started: StatsdPlugin[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

async function startWith(options: Parameters<typeof statsdPlugin>[0] = {}) {
  const plugin = statsdPlugin({ port: 0, ...options });
  const context = recordingContext();
  await plugin.start(context);
  started.push(plugin);
  return { plugin, context };
}

async function sendUdp(port: number, packets: (string | Buffer)[], host = '127.0.0.1'): Promise<void> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (const packet of packets) {
    await new Promise<void>((resolve, reject) => socket.send(packet, port, host, (e) => (e ? reject(e) : resolve())));
  }
  socket.close();
}

async function sendStream(target: { port: number; host: string } | { path: string }, chunks: string[]) {
  const socket = connect(target as { port: number; host: string });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  for (const chunk of chunks) socket.write(chunk);
  await new Promise<void>((resolve) => socket.end(resolve));
}

const receivers = process.platform === 'linux' ? (['recvmmsg', 'dgram'] as const) : (['dgram'] as const);

describe.each(receivers)('statsdPlugin over UDP read with %s', (udpReceiver) => {
  const start = (options: Parameters<typeof statsdPlugin>[0] = {}) => startWith({ udpReceiver, ...options });
  it('listens on UDP (port 0 resolved), stores counters, gauges, timers and sets, and flushes on stop', async () => {
    const { plugin, context } = await start();
    const port = plugin.address().udp?.port as number;
    expect(port).toBeGreaterThan(0);
    expect(plugin.address().udpReceiver).toBe(udpReceiver);
    await sendUdp(port, ['steps:1|c\nsteps:2|c|@0.5\nloss:0.5|g', 'loss:-0.25|g\nt:10|ms\nt:20|ms\nu:a|s\nu:b|s']);
    await until(() => plugin.stats().packets === 2, 'two packets');
    await plugin.stop();
    expect(context.values('steps')).toEqual([5]);
    expect(context.values('loss')).toEqual([0.5, 0.25]);
    expect(context.values('t/count')).toEqual([2]);
    expect(context.values('t/mean')).toEqual([15]);
    expect(context.values('u/cardinality')).toEqual([2]);
    expect(plugin.stats()).toMatchObject({ packets: 2, metrics: 8, refused: {} });
    // Points carry wall time and no x.
    expect(context.points().every((p) => Number.isNaN(p.x) && p.time > 0)).toBe(true);
  });

  it('takes multi-metric datagrams up to the UDP size limit', async () => {
    const { plugin, context } = await start();
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 65_400; i++) {
      lines.push(`m${i % 50}:1|c`);
      size += (lines.at(-1) as string).length + 1;
    }
    await sendUdp(plugin.address().udp?.port as number, [lines.join('\n')]);
    await until(() => plugin.stats().packets === 1, 'the packet');
    await plugin.stop();
    expect(plugin.stats()).toMatchObject({ metrics: lines.length, refused: {} });
    const total = Array.from({ length: 50 }, (_, i) => context.values(`m${i}`)[0] ?? 0).reduce((a, b) => a + b);
    expect(total).toBe(lines.length);
  });

  it('writes a point set every flush interval while running', async () => {
    const { plugin, context } = await start({ flushInterval: 20 });
    const port = plugin.address().udp?.port as number;
    await sendUdp(port, ['steps:1|c']);
    await until(() => context.values('steps').length === 1, 'first flush');
    await sendUdp(port, ['steps:1|c']);
    await until(() => context.values('steps').length === 2, 'second flush');
    expect(context.values('steps')).toEqual([1, 2]);
  });

  it('listens on IPv6', async () => {
    const { plugin, context } = await start({ host: '::1' });
    const address = plugin.address().udp;
    expect(address?.family).toBe('IPv6');
    await sendUdp(address?.port as number, ['v6:42|g'], '::1');
    await until(() => plugin.stats().packets === 1, 'the packet');
    await plugin.stop();
    expect(context.values('v6')).toEqual([42]);
  });

  it('keeps running through bad input, counting each refusal by reason in the run log', async () => {
    const { plugin, context } = await start({ maxPacketSize: 1024 });
    const port = plugin.address().udp?.port as number;
    await sendUdp(port, [
      '',
      'garbage',
      'x:1|q',
      'x:abc|c',
      'x:inf|c',
      Buffer.from([0x00, 0xff, 0x13, 0x37]),
      `big:1|c\n${'z'.repeat(2000)}`,
      'ok:1|c\nbad:1|c|@7',
    ]);
    await until(() => plugin.stats().packets === 8, 'eight packets');
    await plugin.stop();
    expect(context.values('ok')).toEqual([1]);
    expect(plugin.stats().refused).toEqual({
      empty_packet: 1,
      malformed: 1,
      unknown_type: 1,
      bad_value: 1,
      non_finite: 1,
      binary: 1,
      oversized: 1,
      bad_sample_rate: 1,
    });
    const report = context.logs.find((l) => l.text.startsWith('statsd: refused'));
    expect(report).toMatchObject({ level: 'warn', stream: 'system' });
    expect(report?.text).toContain('refused 8 since the last report');
    expect(report?.text).toContain('unknown_type 1 (e.g. "x:1|q")');
    expect(report?.metadata).toEqual({ source: 'statsd', refused: plugin.stats().refused });
  });

  it('reports refusals periodically while running, not per packet', async () => {
    const { plugin, context } = await start({ reportInterval: 20 });
    const port = plugin.address().udp?.port as number;
    await sendUdp(port, ['bad1', 'bad2', 'bad3']);
    await until(() => context.logs.length > 0, 'a report');
    await until(() => plugin.stats().packets === 3, 'three packets');
    const refused = context.logs.reduce((n, l) => n + Number(/refused (\d+)/.exec(l.text)?.[1] ?? 0), 0);
    await plugin.stop();
    const total = context.logs.reduce((n, l) => n + Number(/refused (\d+)/.exec(l.text)?.[1] ?? 0), 0);
    expect(total).toBe(3);
    expect(refused).toBeLessThanOrEqual(3);
    expect(context.logs.length).toBeLessThanOrEqual(3);
  });

  it('stores only declared metrics and reports the undeclared names', async () => {
    const { plugin, context } = await start({ metrics: ['testMetric1', 'testMetric2'] });
    const port = plugin.address().udp?.port as number;
    await sendUdp(port, ['testMetric1:1|c\ntestMetric2:7|g\nstray:1|c\nstray:2|c\nother-name:1|g']);
    await until(() => plugin.stats().packets === 1, 'the packet');
    await plugin.stop();
    expect(context.defs.map((d) => d.name).sort()).toEqual(['testMetric1', 'testMetric1/rate', 'testMetric2']);
    expect(plugin.stats().refused).toEqual({ undeclared: 3 });
    expect(context.logs[0]?.text).toContain('undeclared 3 (e.g. "stray", "other-name")');
  });

  it('fails to start with a clear error when the port is taken', async () => {
    const { plugin } = await start();
    const port = plugin.address().udp?.port as number;
    const second = statsdPlugin({ port });
    await expect(second.start(recordingContext())).rejects.toThrow(
      `statsd could not listen for UDP on 127.0.0.1:${port} (EADDRINUSE)`,
    );
  });

  it('stops when the run signal aborts, flushing what it holds; stop is idempotent', async () => {
    const { plugin, context } = await start();
    await sendUdp(plugin.address().udp?.port as number, ['late:3|c']);
    await until(() => plugin.stats().packets === 1, 'the packet');
    context.controller.abort();
    await until(() => context.values('late').length === 1, 'the final flush');
    await plugin.stop();
    await plugin.stop();
    expect(context.values('late')).toEqual([3]);
    expect(plugin.address().udp?.port).toBeGreaterThan(0);
  });
});

describe('statsdPlugin', () => {
  const start = startWith;
  it('takes newline-framed TCP and Unix socket streams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'statsd-test-'));
    try {
      const path = join(dir, 'statsd.sock');
      const { plugin, context } = await start({ udp: false, tcp: true, socketPath: path });
      const tcp = plugin.address().tcp;
      expect(plugin.address()).toEqual({ tcp, socketPath: path });
      await sendStream({ port: tcp?.port as number, host: '127.0.0.1' }, ['tcp_c:1|c\ntcp_', 'c:2|c\n\ntcp_g:3|g']);
      await sendStream({ path }, ['unix_c:5|c\n', 'unix_c:5|c\n']);
      // On a stream one line of garbage is refused alone, not with the lines around it.
      await sendStream({ port: tcp?.port as number, host: '127.0.0.1' }, ['tcp_g:4|g\nbad\u0000line\ntcp_g:5|g\n']);
      await until(() => plugin.stats().metrics === 7, 'seven metrics');
      await plugin.stop();
      expect(context.values('tcp_c')).toEqual([3]);
      expect(context.values('tcp_g')).toEqual([3, 4, 5]);
      expect(context.values('unix_c')).toEqual([10]);
      expect(plugin.stats().refused).toEqual({ binary: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps going when the store refuses a series or a batch', async () => {
    const plugin = statsdPlugin({ port: 0, flushInterval: 20 });
    const context = recordingContext();
    const errors: string[] = [];
    let failIngest = true;
    const picky = {
      ...context,
      logger: { ...context.logger, error: (message: string) => errors.push(message) },
      series: (def: Parameters<typeof context.series>[0]) => {
        if (def.name === 'refused') throw new Error('no');
        return context.series(def);
      },
      ingest: (batch: Parameters<typeof context.ingest>[0]) => {
        if (failIngest) {
          failIngest = false;
          throw new Error('store is busy');
        }
        context.ingest(batch);
      },
    };
    await plugin.start(picky);
    started.push(plugin);
    const port = plugin.address().udp?.port as number;
    await sendUdp(port, ['first:1|g']);
    // The first batch is refused by the store; the next ones land.
    await until(() => plugin.stats().points === 1, 'the first flush');
    await sendUdp(port, ['refused:1|g\nkept:2|g']);
    await until(() => plugin.stats().packets === 2, 'the second packet');
    await plugin.stop();
    expect(errors).toEqual(['statsd: the store refused a batch', 'statsd: the store refused a series']);
    expect(plugin.stats().refused).toEqual({ store_refused: 1 });
    expect(context.values('kept')).toEqual([2]);
  });

  it('releases its sockets when the run ends while it is still binding them', async () => {
    const plugin = statsdPlugin({ port: 0, udp: true, tcp: true });
    const context = recordingContext();
    const starting = plugin.start(context);
    context.controller.abort();
    await starting;
    await plugin.stop();
    // The ports it took are free again: another listener can bind the very same ones.
    const { udp, tcp } = plugin.address();
    expect(udp?.port).toBeGreaterThan(0);
    const again = statsdPlugin({ port: udp?.port as number, udp: true, tcp: false });
    await again.start(recordingContext());
    started.push(again);
    const tcpAgain = statsdPlugin({ port: tcp?.port as number, udp: false, tcp: true });
    await tcpAgain.start(recordingContext());
    started.push(tcpAgain);
  });

  it('refuses to declare a name outside [A-Za-z0-9_-], naming the bad character', () => {
    expect(() => statsdPlugin({ metrics: ['ok_name', 'train.loss'] })).toThrow(InvalidNameError);
    expect(() => statsdPlugin({ metrics: ['train.loss'] })).toThrow('contains "."');
    expect(() => statsdPlugin({ metrics: ['loss/val'] })).toThrow('contains "/"');
  });

  it('refuses options it cannot use', () => {
    expect(() => statsdPlugin({ port: 70_000 })).toThrow('"port" is 70000');
    expect(() => statsdPlugin({ flushInterval: 0 })).toThrow('"flushInterval" is 0');
    expect(() => statsdPlugin({ udp: false })).toThrow('nothing would listen');
  });
});

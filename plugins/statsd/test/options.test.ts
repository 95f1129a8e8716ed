import { describe, expect, it } from 'vitest';
import { resolveStatsdOptions } from '../src/options.js';

describe('resolveStatsdOptions', () => {
  it('defaults to UDP on 127.0.0.1:8125, 1 s flush intervals and every name stored', () => {
    expect(resolveStatsdOptions()).toEqual({
      host: '127.0.0.1',
      port: 8125,
      udp: true,
      tcp: false,
      socketPath: undefined,
      metrics: undefined,
      flushInterval: 1000,
      reportInterval: 10_000,
      recvBufferSize: 8 * 1024 * 1024,
      udpReceiver: 'auto',
      maxPacketSize: 65_536,
      maxMetrics: 10_000,
    });
  });

  it('keeps what it is given, declared names as a set', () => {
    const resolved = resolveStatsdOptions({
      host: '::1',
      port: 0,
      tcp: true,
      flushInterval: 250,
      metrics: ['a', 'b-2'],
    });
    expect(resolved).toMatchObject({ host: '::1', port: 0, tcp: true, flushInterval: 250 });
    expect(resolved.metrics).toEqual(new Set(['a', 'b-2']));
  });
});

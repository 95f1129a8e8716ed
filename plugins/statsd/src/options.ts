import { TrainscopeError, validateStatsdName } from '@trainscope/core';
import { DEFAULT_MAX_PACKET_SIZE } from './parse-packet.js';

/** Options of the statsd listener (`statsdPlugin`, `createStatsdCollector`). */
export interface StatsdOptions {
  /** Address to listen on; an IPv6 address (`::1`, `::`) listens on IPv6. @default '127.0.0.1' */
  host?: string;
  /** Port for UDP (and TCP when `tcp` is on); 0 picks a free one, see `address()`. @default 8125 */
  port?: number;
  /** Listen for UDP datagrams. @default true */
  udp?: boolean;
  /** Also listen for newline-framed TCP on `host`:`port`. @default false */
  tcp?: boolean;
  /** Also listen on this Unix stream socket path (newline framed). @default undefined */
  socketPath?: string;
  /**
   * Declared metric names (Gradient's custom metrics): only these are stored, others are counted
   * and reported as `undeclared`. Each must use only letters, digits, `_` and `-`.
   * @default undefined (every name is stored)
   */
  metrics?: readonly string[];
  /** Milliseconds per aggregation interval (counters' rate, timers, sets). @default 1000 */
  flushInterval?: number;
  /** Milliseconds between refusal summaries written to the run log. @default 10000 */
  reportInterval?: number;
  /** UDP receive buffer (SO_RCVBUF) in bytes; the kernel caps it at net.core.rmem_max. @default 8388608 */
  recvBufferSize?: number;
  /**
   * How UDP is read: `recvmmsg` (64-bit Linux, through koffi FFI: each time Node reports the
   * socket readable, the queue is read in batches of 64 datagrams per system call), `dgram`
   * (Node's socket alone, one callback per datagram), or `auto`: recvmmsg where it is available.
   * @default 'auto'
   */
  udpReceiver?: 'auto' | 'recvmmsg' | 'dgram';
  /** Longest datagram (bytes) or stream line (characters) accepted. @default 65536 */
  maxPacketSize?: number;
  /** Distinct metrics (name, type, tag set) held before new ones are refused. @default 10000 */
  maxMetrics?: number;
}

/** Options with every default filled in. */
export interface ResolvedStatsdOptions {
  host: string;
  port: number;
  udp: boolean;
  tcp: boolean;
  socketPath: string | undefined;
  metrics: ReadonlySet<string> | undefined;
  flushInterval: number;
  reportInterval: number;
  recvBufferSize: number;
  udpReceiver: 'auto' | 'recvmmsg' | 'dgram';
  maxPacketSize: number;
  maxMetrics: number;
}

/** An option value the listener cannot use. */
export class StatsdOptionError extends TrainscopeError {
  constructor(option: string, value: unknown, expected: string) {
    super('bad_option', `statsd option "${option}" is ${String(value)}; it must be ${expected}.`, value);
  }
}

/** Fills in defaults and checks every option; declared names go through `validateStatsdName`. */
export function resolveStatsdOptions(options: StatsdOptions = {}): ResolvedStatsdOptions {
  const resolved: ResolvedStatsdOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8125,
    udp: options.udp ?? true,
    tcp: options.tcp ?? false,
    socketPath: options.socketPath,
    metrics: options.metrics === undefined ? undefined : new Set(options.metrics.map((m) => validateStatsdName(m))),
    flushInterval: options.flushInterval ?? 1000,
    reportInterval: options.reportInterval ?? 10_000,
    recvBufferSize: options.recvBufferSize ?? 8 * 1024 * 1024,
    udpReceiver: options.udpReceiver ?? 'auto',
    maxPacketSize: options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE,
    maxMetrics: options.maxMetrics ?? 10_000,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) {
    throw new StatsdOptionError('port', resolved.port, 'an integer from 0 to 65535');
  }
  for (const key of ['flushInterval', 'reportInterval', 'recvBufferSize', 'maxPacketSize', 'maxMetrics'] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value <= 0) throw new StatsdOptionError(key, value, 'a positive number');
  }
  if (!['auto', 'recvmmsg', 'dgram'].includes(resolved.udpReceiver)) {
    throw new StatsdOptionError('udpReceiver', resolved.udpReceiver, "'auto', 'recvmmsg' or 'dgram'");
  }
  if (!resolved.udp && !resolved.tcp && resolved.socketPath === undefined) {
    throw new StatsdOptionError('udp', false, 'true when neither tcp nor socketPath is set (nothing would listen)');
  }
  return resolved;
}

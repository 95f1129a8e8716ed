import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { rmSync, statSync } from 'node:fs';
import { type AddressInfo, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from '@trainscope/core';
import { LineSplitter } from './line-splitter.js';
import { ListenError } from './listen-error.js';
import type { ResolvedStatsdOptions } from './options.js';
import { type RecvmmsgDrain, recvmmsgDrain } from './recvmmsg-socket.js';

/** Where the listener is bound. */
export interface StatsdAddress {
  /** The UDP socket's address, when `udp` is on. */
  udp?: AddressInfo;
  /** The TCP server's address, when `tcp` is on. */
  tcp?: AddressInfo;
  /** The Unix socket path, when `socketPath` is set. */
  socketPath?: string;
  /** How UDP is read (see the `udpReceiver` option), when `udp` is on. */
  udpReceiver?: 'recvmmsg' | 'dgram';
}

/** What the sockets hand on: a datagram, or a run of complete lines from a stream. */
export interface PacketHandler {
  onDatagram(bytes: Buffer): void;
  onStreamLines(lines: string): void;
  onOversizedLine(length: number): void;
}

/** Bound sockets, closed together. */
export interface Transports {
  address(): StatsdAddress;
  close(): Promise<void>;
}

/** Binds the sockets the options ask for; rejects (closing what was bound) if one cannot bind. */
export async function openTransports(
  options: ResolvedStatsdOptions,
  handler: PacketHandler,
  logger: Logger,
): Promise<Transports> {
  let udp: UdpSocket | undefined;
  let batched: RecvmmsgDrain | undefined;
  let tcp: Server | undefined;
  let unix: Server | undefined;
  const connections = new Set<Socket>();
  const close = async (): Promise<void> => {
    for (const c of connections) c.destroy();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp?.close(() => resolve())).then(() => batched?.close()),
      tcp && new Promise<void>((resolve) => tcp?.close(() => resolve())),
      unix && new Promise<void>((resolve) => unix?.close(() => resolve())),
    ]);
  };
  try {
    if (options.udp) {
      udp = await bindUdp(options, handler, logger);
      if (options.udpReceiver !== 'dgram') {
        batched = recvmmsgDrain(udp, (bytes) => handler.onDatagram(bytes));
        if (batched === undefined && options.udpReceiver === 'recvmmsg') {
          throw new ListenError(
            'UDP',
            `${options.host}:${options.port}`,
            'recvmmsg unavailable: it needs 64-bit Linux and koffi',
          );
        }
        if (batched !== undefined) {
          const drain = batched;
          // Node says the socket is readable by handing over one datagram; the rest is read in batches.
          udp.on('message', () => drain.drain());
        }
      }
    }
    if (options.tcp) tcp = await listenStream(options, handler, connections, logger, options.port, options.host);
    if (options.socketPath !== undefined) {
      removeStaleSocket(options.socketPath);
      unix = await listenStream(options, handler, connections, logger, options.socketPath);
    }
  } catch (error) {
    await close();
    throw error;
  }
  // Read once: a closed socket can no longer say where it was bound.
  const bound: StatsdAddress = {};
  if (udp) {
    bound.udp = udp.address();
    bound.udpReceiver = batched === undefined ? 'dgram' : 'recvmmsg';
  }
  if (tcp) bound.tcp = tcp.address() as AddressInfo;
  if (options.socketPath !== undefined) bound.socketPath = options.socketPath;
  return {
    address: () => ({ ...bound }),
    close,
  };
}

function bindUdp(options: ResolvedStatsdOptions, handler: PacketHandler, logger: Logger): Promise<UdpSocket> {
  const socket = createSocket({
    type: isIPv6(options.host) ? 'udp6' : 'udp4',
    recvBufferSize: options.recvBufferSize,
  });
  socket.on('message', (bytes) => handler.onDatagram(bytes));
  return new Promise((resolve, reject) => {
    const onBindError = (error: Error) => reject(bindError('UDP', options.host, options.port, error));
    socket.once('error', onBindError);
    socket.bind(options.port, options.host, () => {
      socket.off('error', onBindError);
      socket.on('error', (error) => logger.error('statsd UDP socket error', { error: error.message }));
      resolve(socket);
    });
  });
}

function listenStream(
  options: ResolvedStatsdOptions,
  handler: PacketHandler,
  connections: Set<Socket>,
  logger: Logger,
  portOrPath: number | string,
  host?: string,
): Promise<Server> {
  const server = createServer((connection) => {
    connections.add(connection);
    connection.setEncoding('utf8');
    const splitter = new LineSplitter(
      options.maxPacketSize,
      (lines) => handler.onStreamLines(lines),
      (length) => handler.onOversizedLine(length),
    );
    connection.on('data', (chunk: string) => splitter.push(chunk));
    connection.on('end', () => splitter.end());
    connection.on('error', (error) => logger.warn('statsd stream connection error', { error: error.message }));
    connection.on('close', () => connections.delete(connection));
  });
  return new Promise((resolve, reject) => {
    const kind = typeof portOrPath === 'string' ? 'Unix socket' : 'TCP';
    const onError = (error: Error) => reject(bindError(kind, host, portOrPath, error));
    server.once('error', onError);
    const onListening = () => {
      server.off('error', onError);
      server.on('error', (error) => logger.error(`statsd ${kind} server error`, { error: error.message }));
      resolve(server);
    };
    if (typeof portOrPath === 'string') server.listen(portOrPath, onListening);
    else server.listen(portOrPath, host, onListening);
  });
}

/** A socket file left by a listener that died is removed; anything else at the path is kept. */
function removeStaleSocket(path: string): void {
  try {
    if (statSync(path).isSocket()) rmSync(path);
  } catch {
    // Nothing there: the usual case.
  }
}

function bindError(kind: string, host: string | undefined, where: number | string, cause: Error): Error {
  const at = host === undefined ? String(where) : `${host}:${where}`;
  return new ListenError(kind, at, (cause as NodeJS.ErrnoException).code ?? cause.message, { cause });
}

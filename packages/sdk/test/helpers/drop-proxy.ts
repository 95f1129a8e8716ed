import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy that loses the server's answer to one request, as a dropped connection would. */
export interface DropProxy {
  url: string;
  /** Answers lost so far. */
  dropped(): number;
  close(): Promise<void>;
}

/**
 * Forwards connections to `port`; the first `POST /api/v1/ingest/points` whose body is larger than
 * `minBytes` reaches the server, but its answer is not passed on: the client's socket is closed.
 */
export async function dropProxy(port: number, minBytes: number): Promise<DropProxy> {
  let dropped = 0;
  let armed = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let dropNext = false;
    client.on('data', (chunk: Buffer) => {
      const head = chunk.subarray(0, 512).toString('latin1');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (armed && head.startsWith('POST /api/v1/ingest/points') && length > minBytes) {
        armed = false;
        dropNext = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropNext) {
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

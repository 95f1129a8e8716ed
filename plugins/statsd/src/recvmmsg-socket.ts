import { createRequire } from 'node:module';
import { type AddressInfo, isIP } from 'node:net';
import { ListenError } from './listen-error.js';

/**
 * A UDP socket read with Linux `recvmmsg(2)` through koffi FFI: one system call and no per-packet
 * allocation or callback per batch of up to 64 datagrams, where Node's dgram pays a syscall, a
 * 64 KiB allocation and a JS callback per datagram. Readiness is polled: back to back while
 * datagrams keep coming, then every millisecond or two while idle (the receive buffer holds
 * what arrives in between).
 */
export interface RecvmmsgSocket {
  address(): AddressInfo;
  close(): void;
}

interface Libc {
  koffi: Koffi;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Uint8Array, length: number): number;
  getsockname(fd: number, address: Uint8Array, length: number[]): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, length: number): number;
  recvmmsg(fd: number, vector: unknown, count: number, flags: number, timeout: null): number;
  inetPton(family: number, text: string, out: Uint8Array): number;
  close(fd: number): number;
}

interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
  alloc(type: string, length: number): unknown;
  free(pointer: unknown): void;
  address(pointer: unknown): bigint;
  view(pointer: unknown, length: number): ArrayBuffer;
  errno(): number;
}

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
// Not inherited by child processes (`trainscope run` starts the training script).
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const BATCH = 64;
// Larger than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so nothing is cut.
const SLOT = 65_536;
const MMSGHDR = 64;
const IOVEC = 16;
const IDLE_POLL_MS = [0, 1, 1, 2] as const;
const ERRNO: Record<number, string> = { 1: 'EPERM', 13: 'EACCES', 22: 'EINVAL', 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL' };

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  // The structure offsets below are those of 64-bit Linux.
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    let lib: ReturnType<Koffi['load']> | undefined;
    for (const name of ['libc.so.6', `libc.musl-${process.arch === 'x64' ? 'x86_64' : 'aarch64'}.so.1`]) {
      try {
        lib = koffi.load(name);
        break;
      } catch {
        // Try the next C library name.
      }
    }
    if (lib === undefined) return libc;
    const f = lib.func.bind(lib);
    libc = {
      koffi,
      socket: f('int socket(int, int, int)') as Libc['socket'],
      bind: f('int bind(int, void *, uint32_t)') as Libc['bind'],
      getsockname: f('int getsockname(int, void *, _Inout_ uint32_t *)') as Libc['getsockname'],
      setsockopt: f('int setsockopt(int, int, int, void *, uint32_t)') as Libc['setsockopt'],
      recvmmsg: f('int recvmmsg(int, void *, unsigned int, int, void *)') as Libc['recvmmsg'],
      inetPton: f('int inet_pton(int, const char *, void *)') as Libc['inetPton'],
      close: f('int close(int)') as Libc['close'],
    };
  } catch {
    libc = null;
  }
  return libc;
}

/** Whether `openRecvmmsgSocket` can serve this host (64-bit Linux, koffi loads, an IP literal). */
export function recvmmsgAvailable(host: string): boolean {
  return isIP(host) !== 0 && loadLibc() !== null;
}

/**
 * Binds a UDP socket on `host`:`port` (an IP literal) and hands each datagram to `onDatagram`
 * as a Buffer view that is valid only during the call. Throws `ListenError` when it cannot bind.
 */
export function openRecvmmsgSocket(
  host: string,
  port: number,
  recvBufferSize: number,
  onDatagram: (bytes: Buffer) => void,
  onError: (error: Error) => void,
): RecvmmsgSocket {
  const c = loadLibc();
  if (c === null) throw new Error('recvmmsg needs 64-bit Linux and koffi');
  const family = isIP(host) === 6 ? AF_INET6 : AF_INET;
  const address = new Uint8Array(family === AF_INET6 ? 28 : 16);
  const view = new DataView(address.buffer);
  view.setUint16(0, family, true);
  view.setUint16(2, port, false);
  if (c.inetPton(family, host, address.subarray(family === AF_INET6 ? 8 : 4)) !== 1) {
    throw new ListenError('UDP', `${host}:${port}`, 'EINVAL');
  }
  const fd = c.socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw failure(c, host, port);
  const size = new Uint8Array(4);
  new DataView(size.buffer).setInt32(0, Math.min(recvBufferSize, 0x7fffffff), true);
  c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
  if (c.bind(fd, address, address.length) !== 0) {
    const error = failure(c, host, port);
    c.close(fd);
    throw error;
  }
  c.getsockname(fd, address, [address.length]);
  const bound: AddressInfo = {
    address: host,
    family: family === AF_INET6 ? 'IPv6' : 'IPv4',
    port: view.getUint16(2, false),
  };

  // One native block: BATCH mmsghdr, BATCH iovec, BATCH data slots; pointers are set up once.
  const total = BATCH * (MMSGHDR + IOVEC + SLOT);
  const memory = c.koffi.alloc('uint8_t', total);
  const base = c.koffi.address(memory);
  const native = c.koffi.view(memory, total);
  const headers = new DataView(native);
  const bytes = Buffer.from(native);
  const iovecs = BATCH * MMSGHDR;
  const slots = iovecs + BATCH * IOVEC;
  for (let i = 0; i < BATCH; i++) {
    headers.setBigUint64(i * MMSGHDR + 16, base + BigInt(iovecs + i * IOVEC), true); // msg_iov
    headers.setBigUint64(i * MMSGHDR + 24, 1n, true); // msg_iovlen
    headers.setBigUint64(iovecs + i * IOVEC, base + BigInt(slots + i * SLOT), true); // iov_base
    headers.setBigUint64(iovecs + i * IOVEC + 8, BigInt(SLOT), true); // iov_len
  }

  let closed = false;
  let idle = 0;
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const drain = () => {
    timer = undefined;
    if (closed) return;
    let received = 0;
    try {
      for (let round = 0; round < 16; round++) {
        const n = c.recvmmsg(fd, memory, BATCH, MSG_DONTWAIT, null);
        if (n <= 0) break;
        received += n;
        for (let i = 0; i < n; i++) {
          const length = headers.getUint32(i * MMSGHDR + 56, true);
          const truncated = (headers.getInt32(i * MMSGHDR + 48, true) & MSG_TRUNC) !== 0;
          const start = slots + i * SLOT;
          // A cut datagram cannot be parsed; its length shows as the slot size, past the limit.
          onDatagram(truncated ? Buffer.alloc(SLOT + 1) : bytes.subarray(start, start + length));
          if (closed) return;
        }
        if (n < BATCH) break;
      }
    } catch (error) {
      onError(error as Error);
    }
    if (received > 0) {
      idle = 0;
      timer = setImmediate(drain);
    } else {
      idle = Math.min(idle + 1, IDLE_POLL_MS.length - 1);
      timer = setTimeout(drain, IDLE_POLL_MS[idle]);
    }
  };
  timer = setImmediate(drain);

  return {
    address: () => bound,
    close: () => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) {
        clearTimeout(timer as NodeJS.Timeout);
        clearImmediate(timer as NodeJS.Immediate);
      }
      c.close(fd);
      c.koffi.free(memory);
    },
  };
}

function failure(c: Libc, host: string, port: number): ListenError {
  const errno = c.koffi.errno();
  return new ListenError('UDP', `${host}:${port}`, ERRNO[errno] ?? `errno ${errno}`);
}

import type { Socket } from 'node:dgram';
import { createRequire } from 'node:module';

/**
 * Drains a bound Node dgram socket with Linux `recvmmsg(2)` through koffi FFI: one system call
 * and no allocation or callback per datagram for batches of up to 64, where Node's dgram pays a
 * syscall, a 64 KiB buffer and a JS callback for each one. Node's event loop still says when the
 * socket is readable (no polling, nothing spent while idle): each time it hands over a datagram,
 * the rest of the queue is read here in batches.
 */
export interface RecvmmsgDrain {
  /** Reads what is queued on the socket, handing each datagram on. Call after each 'message'. */
  drain(): void;
  /** Frees the native buffers; the socket itself is closed by its owner. */
  close(): void;
}

interface Koffi {
  load(path: string): { func(signature: string): (...args: unknown[]) => unknown };
  alloc(type: string, length: number): unknown;
  free(pointer: unknown): void;
  address(pointer: unknown): bigint;
  view(pointer: unknown, length: number): ArrayBuffer;
}

interface Libc {
  koffi: Koffi;
  recvmmsg(fd: number, vector: unknown, count: number, flags: number, timeout: null): number;
}

const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const BATCH = 64;
// At most this many batches per readiness event, so one busy socket cannot starve the event loop;
// what is left makes the socket readable again at once.
const ROUNDS = 16;
// Larger than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so nothing is cut.
const SLOT = 65_536;
// struct mmsghdr and struct iovec on 64-bit Linux.
const MMSGHDR = 64;
const IOVEC = 16;

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return libc;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    for (const name of ['libc.so.6', `libc.musl-${process.arch === 'x64' ? 'x86_64' : 'aarch64'}.so.1`]) {
      try {
        const lib = koffi.load(name);
        const recvmmsg = lib.func('int recvmmsg(int, void *, unsigned int, int, void *)') as Libc['recvmmsg'];
        libc = { koffi, recvmmsg };
        break;
      } catch {
        // Try the next C library name.
      }
    }
  } catch {
    libc = null;
  }
  return libc;
}

/** The file descriptor of a bound dgram socket, where Node lets it be found; undefined otherwise. */
function socketFd(socket: Socket): number | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (state === undefined) return undefined;
  const fd = (socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[state]?.handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Sets up batched reads for a bound socket; undefined where that cannot be done (not 64-bit
 * Linux, koffi missing, the descriptor not reachable), and the socket is then read as usual.
 * `onDatagram` gets a Buffer view that is valid only during the call.
 */
export function recvmmsgDrain(socket: Socket, onDatagram: (bytes: Buffer) => void): RecvmmsgDrain | undefined {
  const c = loadLibc();
  if (c === null) return undefined;
  const fd = socketFd(socket);
  if (fd === undefined) return undefined;

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
  return {
    drain() {
      for (let round = 0; round < ROUNDS && !closed; round++) {
        const n = c.recvmmsg(fd, memory, BATCH, MSG_DONTWAIT, null);
        if (n <= 0) return;
        for (let i = 0; i < n && !closed; i++) {
          const length = headers.getUint32(i * MMSGHDR + 56, true);
          const truncated = (headers.getInt32(i * MMSGHDR + 48, true) & MSG_TRUNC) !== 0;
          const start = slots + i * SLOT;
          // A cut datagram cannot be parsed; handing on one past the slot size reports it as oversized.
          onDatagram(truncated ? Buffer.alloc(SLOT + 1) : bytes.subarray(start, start + length));
        }
        if (n < BATCH) return;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      c.koffi.free(memory);
    },
  };
}

import { type FileHandle, open, stat } from 'node:fs/promises';

/** What changed under the followed path since the last read. */
export type FollowEvent = { kind: 'data'; chunk: Buffer } | { kind: 'truncated' } | { kind: 'rotated' };

/** Where the follower is in the file it has open. */
export interface FollowPosition {
  dev: number;
  ino: number;
  offset: number;
}

const HEAD_BYTES = 64;
const READ_BYTES = 1 << 20;

/**
 * Follows a file by path the way `tail -F` does: reads what was appended since the last call,
 * notices truncation (the size shrank, or the first bytes changed) and rotation (the path now
 * names another inode: the rest of the old file is read first, then the new one from its start).
 */
export class FileFollower {
  readonly #path: string;
  #handle: FileHandle | null = null;
  #dev = 0;
  #ino = 0;
  #offset = 0;
  #head: Buffer = Buffer.alloc(0);

  constructor(path: string) {
    this.#path = path;
  }

  /** The open file and offset; `null` before the file has been seen. */
  get position(): FollowPosition | null {
    return this.#handle === null ? null : { dev: this.#dev, ino: this.#ino, offset: this.#offset };
  }

  /** Base64 of the first bytes seen (up to 64). */
  get head(): string {
    return this.#head.toString('base64');
  }

  /**
   * Opens the path at `resume.offset` when it is still the same file (same inode, at least that
   * long, same first bytes); otherwise at the start, or at the end when `fromEnd` and there is no
   * saved position.
   * Returns the offset it opened at, or `null` when the path does not exist yet.
   */
  async open(resume: (FollowPosition & { head: string }) | undefined, fromEnd: boolean): Promise<number | null> {
    const handle = await openOrNull(this.#path);
    if (handle === null) return null;
    const st = await handle.stat();
    this.#handle = handle;
    this.#dev = st.dev;
    this.#ino = st.ino;
    this.#head = await readHead(handle, st.size);
    const same =
      resume !== undefined &&
      resume.dev === st.dev &&
      resume.ino === st.ino &&
      resume.offset <= st.size &&
      this.#sameHead(Buffer.from(resume.head, 'base64'));
    // A saved position for another file means the file was replaced while nobody read it: all of
    // the new one is unread. `fromEnd` is only for a first start.
    this.#offset = same ? resume.offset : resume === undefined && fromEnd ? st.size : 0;
    return this.#offset;
  }

  /** Reads everything new; events come in file order. */
  async poll(): Promise<FollowEvent[]> {
    const events: FollowEvent[] = [];
    if (this.#handle === null) {
      if ((await this.open(undefined, false)) === null) return events;
    }
    const handle = this.#current();
    if (handle === null) return events;
    const st = await handle.stat();
    if (st.size < this.#offset || !(await this.#headStillMatches(handle, st.size))) {
      events.push({ kind: 'truncated' });
      this.#offset = 0;
      this.#head = await readHead(handle, st.size);
    }
    await this.#drain(handle, events);
    const now = await statOrNull(this.#path);
    if (now !== null && (now.ino !== this.#ino || now.dev !== this.#dev)) {
      // Rotated: finish the old file, then follow the new one from its start.
      await this.#drain(handle, events);
      await handle.close();
      this.#handle = null;
      events.push({ kind: 'rotated' });
      await this.open(undefined, false);
      const next = this.#current();
      if (next !== null) await this.#drain(next, events);
    }
    return events;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  #current(): FileHandle | null {
    return this.#handle;
  }

  async #drain(handle: FileHandle, events: FollowEvent[]): Promise<void> {
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, this.#offset);
      if (bytesRead === 0) return;
      if (this.#head.length < HEAD_BYTES && this.#offset < HEAD_BYTES) {
        this.#head = await readHead(handle, this.#offset + bytesRead);
      }
      this.#offset += bytesRead;
      events.push({ kind: 'data', chunk: buffer.subarray(0, bytesRead) });
    }
  }

  async #headStillMatches(handle: FileHandle, size: number): Promise<boolean> {
    if (this.#head.length === 0) return true;
    const now = await readHead(handle, Math.min(size, this.#head.length));
    return now.equals(this.#head);
  }

  #sameHead(saved: Buffer): boolean {
    return this.#head.subarray(0, saved.length).equals(saved);
  }
}

async function readHead(handle: FileHandle, size: number): Promise<Buffer> {
  const length = Math.min(size, HEAD_BYTES);
  const buffer = Buffer.alloc(length);
  if (length > 0) await handle.read(buffer, 0, length, 0);
  return buffer;
}

async function openOrNull(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function statOrNull(path: string): Promise<{ dev: number; ino: number } | null> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

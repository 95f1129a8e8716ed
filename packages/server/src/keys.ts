import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the key file inside a store directory. */
export const KEYS_FILE = 'keys.json';

/** A stored key: never the secret, only a salted hash of it. */
export interface StoredKey {
  id: string;
  name: string;
  salt: string;
  hash: string;
  createdAt: number;
}

/** What `listKeys` shows. */
export interface KeyInfo {
  id: string;
  name: string;
  createdAt: number;
}

interface KeyFile {
  keys: StoredKey[];
}

const KEY_PATTERN = /^tsk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update(secret).digest('hex');
}

function readKeyFile(file: string): KeyFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { keys: [] };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<KeyFile>;
  return { keys: Array.isArray(parsed.keys) ? parsed.keys.filter(isStoredKey) : [] };
}

function isStoredKey(k: unknown): k is StoredKey {
  const r = k as Record<string, unknown>;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r['id'] === 'string' &&
    typeof r['salt'] === 'string' &&
    typeof r['hash'] === 'string' &&
    typeof r['name'] === 'string'
  );
}

function writeKeyFile(file: string, data: KeyFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Creates an API key named `name` in `<storeDir>/keys.json` and returns its secret, which is
 * shown this once: the file keeps only a salted SHA-256 of it.
 */
export function createKey(storeDir: string, name: string): { id: string; name: string; key: string } {
  const file = join(storeDir, KEYS_FILE);
  const data = readKeyFile(file);
  const id = randomBytes(4).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('hex');
  data.keys.push({ id, name, salt, hash: hashSecret(salt, secret), createdAt: Date.now() });
  writeKeyFile(file, data);
  return { id, name, key: `tsk_${id}_${secret}` };
}

/** Lists the keys of a store (ids and names, never secrets). */
export function listKeys(storeDir: string): KeyInfo[] {
  return readKeyFile(join(storeDir, KEYS_FILE)).keys.map(({ id, name, createdAt }) => ({ id, name, createdAt }));
}

/** Revokes keys by id or name; returns how many were removed. */
export function revokeKey(storeDir: string, idOrName: string): number {
  const file = join(storeDir, KEYS_FILE);
  const data = readKeyFile(file);
  const kept = data.keys.filter((k) => k.id !== idOrName && k.name !== idOrName);
  const removed = data.keys.length - kept.length;
  if (removed > 0) writeKeyFile(file, { keys: kept });
  return removed;
}

/**
 * The keys a server checks requests against. Re-reads the key file when it changes (so a revoked
 * key stops working at once) and compares hashes in constant time.
 */
export class KeyRing {
  readonly file: string;
  #stamp = '';
  #keys = new Map<string, StoredKey>();
  #present = false;

  constructor(file: string) {
    this.file = file;
  }

  /**
   * True once the key file exists, i.e. requests must carry a key. Auth fails closed: revoking
   * every key leaves it on (nothing verifies) rather than opening the store to anyone.
   */
  get enabled(): boolean {
    this.#refresh();
    return this.#present;
  }

  /** True when at least one key can still verify (what a non-loopback bind needs). */
  get hasKeys(): boolean {
    this.#refresh();
    return this.#keys.size > 0;
  }

  /** Checks a presented key. */
  verify(presented: string | undefined): boolean {
    this.#refresh();
    if (presented === undefined) return false;
    const match = KEY_PATTERN.exec(presented);
    if (!match) return false;
    const stored = this.#keys.get(match[1] as string);
    if (!stored) return false;
    const expected = Buffer.from(stored.hash, 'hex');
    const actual = Buffer.from(hashSecret(stored.salt, match[2] as string), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  #refresh(): void {
    let stamp: string;
    try {
      const s = statSync(this.file);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      // Only a file that is not there turns auth off; one we cannot stat keeps it on.
      stamp = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
    }
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    this.#present = stamp !== 'absent';
    // A key file that cannot be parsed fails closed: no key verifies, but auth stays on.
    try {
      this.#keys = new Map(readKeyFile(this.file).keys.map((k) => [k.id, k]));
    } catch {
      this.#keys = new Map();
      this.#present = true;
    }
  }
}

/** Reads the key from an `Authorization: Api-Key <key>` header value. */
export function keyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Api-Key\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

import { mkdirSync } from 'node:fs';
import { resolveStoreDir } from '@trainscope/core';
import { createKey, listKeys, revokeKey } from '@trainscope/server';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';

/** `trainscope keys create NAME`: prints the new key once; only its hash is stored. */
export function keysCreate(name: string, options: { dir?: string; json?: boolean }, out: Output): number {
  if (!/^[\w.-]{1,64}$/.test(name))
    throw new CliError('A key name may use letters, digits, ".", "_" and "-" (1-64 characters).', 2);
  const dir = resolveStoreDir(options.dir);
  mkdirSync(dir, { recursive: true });
  const key = createKey(dir, name);
  if (options.json) out.print(JSON.stringify({ id: key.id, name: key.name, key: key.key }));
  else {
    out.print(key.key);
    out.info(
      `trainscope: created key ${key.id} (${key.name}); it is shown only now. Send it as "Authorization: Api-Key <key>".`,
    );
  }
  return 0;
}

/** `trainscope keys list`: ids, names and creation times (never the keys). */
export function keysList(options: { dir?: string; json?: boolean }, out: Output): number {
  const keys = listKeys(resolveStoreDir(options.dir));
  if (options.json) {
    out.print(
      JSON.stringify(
        keys.map((k) => ({ id: k.id, name: k.name, created_at: new Date(k.createdAt).toISOString() })),
        null,
        2,
      ),
    );
  } else if (keys.length === 0) {
    out.print(
      'No API keys: the API answers loopback requests without one. Create one with: trainscope keys create NAME',
    );
  } else {
    for (const k of keys) out.print(`${k.id}  ${k.name}  ${new Date(k.createdAt).toISOString()}`);
  }
  return 0;
}

/** `trainscope keys revoke ID|NAME`: takes effect at once, also in a running server. */
export function keysRevoke(idOrName: string, options: { dir?: string }, out: Output): number {
  const removed = revokeKey(resolveStoreDir(options.dir), idOrName);
  if (removed === 0) throw new CliError(`No API key with id or name "${idOrName}".`);
  out.info(`trainscope: revoked ${removed} key${removed === 1 ? '' : 's'}`);
  return 0;
}

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of the dashboard page's build (apps/web/dist, package `@trainscope/web`), or
 * null when it is not built: the API is then served alone and the CLI says so.
 */
export function webAssetsDir(): string | null {
  try {
    const index = fileURLToPath(import.meta.resolve('@trainscope/web'));
    return existsSync(index) ? dirname(index) : null;
  } catch {
    return null;
  }
}

import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchFileSize } from '../src/store/file-size.js';
import { tempDir } from './helpers.js';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('watchFileSize', () => {
  it('reports the size of a file as another writer grows it', async () => {
    const file = join(tempDir(), 'growing.csv');
    const sizes: number[] = [];
    const watch = watchFileSize(file, (size) => sizes.push(size), 10);
    try {
      writeFileSync(file, 'a'.repeat(100));
      await until(() => sizes.includes(100));
      appendFileSync(file, 'b'.repeat(900));
      await until(() => sizes.includes(1_000));
    } finally {
      watch.stop();
    }
    expect(sizes).toEqual([100, 1_000]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the NVML stand-in shared library built from test/fixtures/nvml-standin.c. */
    nvmlStandin: string;
  }
}

/** Builds the NVML stand-in with gcc into a temp dir, once for the whole test run. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'trainscope-nvml-standin-'));
  const source = fileURLToPath(new URL('./fixtures/nvml-standin.c', import.meta.url));
  const library = join(dir, 'libnvml-standin.so');
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-o', library, source]);
  project.provide('nvmlStandin', library);
  return () => rmSync(dir, { recursive: true, force: true });
}

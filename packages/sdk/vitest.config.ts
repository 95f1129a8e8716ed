import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  // Test files share one module graph: core (and DuckDB) is imported once, not once per file.
  test: { testTimeout: 30_000, hookTimeout: 30_000, isolate: false },
});

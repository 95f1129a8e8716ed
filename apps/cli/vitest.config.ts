import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  // Every case spawns real processes (the CLI, its child, a server): give a loaded machine room.
  test: { testTimeout: 120_000, hookTimeout: 60_000 },
});

import { defineConfig } from 'vite';

/** Builds the dashboard page into dist/, which the server serves (its `staticDir` option). */
export default defineConfig({
  base: './',
  resolve: { conditions: ['development'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
});

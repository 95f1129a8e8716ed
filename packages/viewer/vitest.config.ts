import { createServer } from 'node:net';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

/** A port free right now, so two checkouts can run this suite at once. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Port of the page the browser tests run in; the test server allows it as a CORS origin. Kept in
 * the environment so the global setup (same process, its own module copy) reads the same one.
 */
process.env['TS_VIEWER_BROWSER_PORT'] ??= String(await freePort());
export const BROWSER_PORT = Number(process.env['TS_VIEWER_BROWSER_PORT']);

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['./test/global-setup.ts'],
    browser: {
      enabled: true,
      headless: true,
      api: { port: BROWSER_PORT, strictPort: true },
      viewport: { width: 1000, height: 800 },
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          // Debian's chromium; a browser is never downloaded.
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-quic',
            '--no-first-run',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});

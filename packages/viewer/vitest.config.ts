import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

/** Port of the page the browser tests run in; the test server allows it as a CORS origin. */
export const BROWSER_PORT = 63_417;

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

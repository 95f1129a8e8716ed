import { spawn } from 'node:child_process';
import type { Output } from './output.js';

/**
 * Opens a URL in the user's browser, once. `TRAINSCOPE_BROWSER` names a program to run with the
 * URL instead of the system's default browser. A browser that cannot be started is a note on the
 * terminal, never a failed command: the URL is printed either way.
 */
export async function openInBrowser(url: string, out: Output): Promise<void> {
  const custom = process.env['TRAINSCOPE_BROWSER'];
  try {
    if (custom) {
      const child = spawn(custom, [url], { detached: true, stdio: 'ignore' });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      return;
    }
    const { default: open } = await import('open');
    const child = await open(url);
    child.once('error', (error) => out.info(`trainscope: could not open a browser (${error.message}); open ${url}`));
  } catch (error) {
    out.info(`trainscope: could not open a browser (${(error as Error).message}); open ${url}`);
  }
}

import { css } from 'lit';

/** The dark theme's defaults, for `theme="dark"` and for pages that prefer dark. */
const dark = css`
  --_bg: var(--ts-bg, #0d1117);
  --_fg: var(--ts-fg, #e6edf3);
  --_muted: var(--ts-muted, #8d96a0);
  --_border: var(--ts-border, #30363d);
  --_grid: var(--ts-grid, rgba(255, 255, 255, 0.1));
  --_accent: var(--ts-accent, #4493f8);
  --_nan: var(--ts-nan-color, #ff7b72);
  --_s1: var(--ts-series-1, #4493f8);
  --_s2: var(--ts-series-2, #ff7b72);
  --_s3: var(--ts-series-3, #3fb950);
  --_s4: var(--ts-series-4, #a371f7);
  --_s5: var(--ts-series-5, #f0883e);
  --_s6: var(--ts-series-6, #39c5cf);
  --_s7: var(--ts-series-7, #db61a2);
  --_s8: var(--ts-series-8, #9198a1);
`;

/**
 * Theme of every component, as CSS custom properties. Light by default; dark with
 * `theme="dark"` on the element, or when the page prefers dark and no `theme="light"` is set.
 * Override any `--ts-*` property on the element or an ancestor.
 */
export const themeStyles = css`
  :host {
    --_bg: var(--ts-bg, #ffffff);
    --_fg: var(--ts-fg, #1f2328);
    --_muted: var(--ts-muted, #656d76);
    --_border: var(--ts-border, #d0d7de);
    --_grid: var(--ts-grid, rgba(0, 0, 0, 0.08));
    --_accent: var(--ts-accent, #0969da);
    --_nan: var(--ts-nan-color, #cf222e);
    --_band-alpha: var(--ts-band-alpha, 0.15);
    --_font: var(--ts-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_mono: var(--ts-mono, ui-monospace, SFMono-Regular, Menlo, monospace);
    --_s1: var(--ts-series-1, #0969da);
    --_s2: var(--ts-series-2, #d1242f);
    --_s3: var(--ts-series-3, #1a7f37);
    --_s4: var(--ts-series-4, #8250df);
    --_s5: var(--ts-series-5, #bc4c00);
    --_s6: var(--ts-series-6, #0598bc);
    --_s7: var(--ts-series-7, #bf3989);
    --_s8: var(--ts-series-8, #6e7781);
    color: var(--_fg);
    background: var(--_bg);
    font-family: var(--_font);
    font-size: 13px;
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
`;

/** Number of palette entries (`--ts-series-1` .. `--ts-series-8`). */
export const PALETTE_SIZE = 8;

/** Reads the resolved palette and chart colours of an element (canvas needs real colours). */
export function resolvedColors(element: Element): {
  palette: string[];
  fg: string;
  muted: string;
  grid: string;
  nan: string;
  bandAlpha: number;
} {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const palette: string[] = [];
  for (let i = 1; i <= PALETTE_SIZE; i++) palette.push(read(`--_s${i}`, '#0969da'));
  const alpha = Number.parseFloat(read('--_band-alpha', '0.15'));
  return {
    palette,
    fg: read('--_fg', '#1f2328'),
    muted: read('--_muted', '#656d76'),
    grid: read('--_grid', 'rgba(0,0,0,0.08)'),
    nan: read('--_nan', '#cf222e'),
    bandAlpha: Number.isFinite(alpha) ? alpha : 0.15,
  };
}

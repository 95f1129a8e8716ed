/**
 * Removes what a terminal would not print as text: ANSI escape sequences (`\x1b[1m`, `\x1b[32m`,
 * `\x1b[H\x1b[K`) and backspaces (Keras writes `\b` * width before each `\r` redraw). Returns the
 * string itself when there is nothing to remove.
 */
export function stripTerminalControls(s: string): string {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 27 || c === 8) break;
    i++;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 8) {
      i++;
    } else if (c === 27) {
      i = skipEscape(s, i);
    } else {
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === 27 || d === 8) break;
        j++;
      }
      out += s.slice(i, j);
      i = j;
    }
  }
  return out;
}

/** Index after the escape sequence starting at `i` (CSI: parameters, intermediates, final byte). */
function skipEscape(s: string, i: number): number {
  const n = s.length;
  if (i + 1 >= n) return n;
  if (s.charCodeAt(i + 1) !== 91 /* [ */) return i + 2;
  let j = i + 2;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) return j + 1;
    j++;
  }
  return n;
}

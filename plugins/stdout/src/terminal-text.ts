/**
 * An escape sequence (CSI: `ESC [`, parameters and intermediates, a final byte in 0x40-0x7E, or
 * to the end when it has none; any other: ESC and the character after it) or a backspace.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC and backspace are what it removes
const CONTROLS = /\x1b(?:\[[^\x40-\x7e]*[\x40-\x7e]?|[\s\S]?)|\x08+/g;
/** The same over UTF-8 bytes read as Latin-1: ESC then a multi-byte character drops all its bytes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC and backspace are what it removes
const BYTE_CONTROLS = /\x1b(?:\[[^\x40-\x7e]*[\x40-\x7e]?|[\xc0-\xff][\x80-\xbf]*|[\s\S]?)|\x08+/g;

/**
 * Removes what a terminal would not print as text: ANSI escape sequences (`\x1b[1m`, `\x1b[32m`,
 * `\x1b[H\x1b[K`) and backspaces (Keras writes `\b` * width before each `\r` redraw). Returns the
 * string itself when there is nothing to remove.
 */
export function stripTerminalControls(s: string): string {
  return s.indexOf('\x1b') < 0 && s.indexOf('\b') < 0 ? s : s.replace(CONTROLS, '');
}

/**
 * `stripTerminalControls` for valid UTF-8 bytes decoded as Latin-1 (one character per byte, which
 * Node decodes far faster than UTF-8): the result is the Latin-1 reading of what stripping the
 * UTF-8 text would give.
 */
export function stripTerminalBytes(s: string): string {
  return s.indexOf('\x1b') < 0 && s.indexOf('\b') < 0 ? s : s.replace(BYTE_CONTROLS, '');
}

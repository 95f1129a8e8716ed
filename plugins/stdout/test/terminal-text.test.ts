import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKerasLine, stripTerminalControls } from '../src/index.js';
import { parseKerasBytes } from '../src/parse-keras.js';
import { stripTerminalBytes } from '../src/terminal-text.js';

/** Text with what progress bars print: escapes, backspaces, glyphs and other non-ASCII. */
const terminalText = fc
  .array(
    fc.constantFrom(
      '\x1b[1m',
      '\x1b[0m',
      '\x1b[32m',
      '\x1b[H\x1b[K',
      '\x1b',
      '\x1b[',
      '\x1b(',
      '\x1bé',
      '\x1b━',
      '\b',
      '\b\b\b',
      '━',
      '█▌',
      'é',
      ' ',
      ' - ',
      'loss: ',
      '0.5',
      '12/120',
      'Epoch 1/3',
      '[==>..]',
      'a',
      '\x1b[1;2é',
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('stripTerminalControls', () => {
  it('removes escape sequences and backspaces, and nothing else', () => {
    expect(stripTerminalControls('\x1b[1m 32/120\x1b[0m \x1b[32m━━\x1b[0m - loss: 1.2\b\b\b')).toBe(
      ' 32/120 ━━ - loss: 1.2',
    );
    expect(stripTerminalControls('plain text')).toBe('plain text');
    expect(stripTerminalControls('cut \x1b[1')).toBe('cut ');
    expect(stripTerminalControls('\x1bXkept')).toBe('kept');
  });

  it('gives the same text from UTF-8 bytes read as Latin-1 as from the decoded text', () => {
    fc.assert(
      fc.property(terminalText, (s) => {
        const latin1 = Buffer.from(s, 'utf8').toString('latin1');
        expect(stripTerminalBytes(latin1)).toBe(Buffer.from(stripTerminalControls(s), 'utf8').toString('latin1'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseKerasBytes', () => {
  it('reads bytes as parseKerasLine reads the decoded, stripped text', () => {
    fc.assert(
      fc.property(terminalText, (s) => {
        const bytes = Buffer.from(s, 'utf8');
        expect(parseKerasBytes(bytes, 0, bytes.length)).toEqual(parseKerasLine(stripTerminalControls(s)));
      }),
      { numRuns: 2000 },
    );
  });
});

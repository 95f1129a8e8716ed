import { describe, expect, it } from 'vitest';
import { ForwardSearch } from '../src/forward-search.js';

describe('ForwardSearch', () => {
  it('answers for ranges moving forward, backward and over a refilled buffer', () => {
    const search = new ForwardSearch(0x7c);
    const view = Buffer.from('ab|cd\refgh\rij|k\rlmn');
    expect(search.has(view, 0, 2)).toBe(false);
    expect(search.has(view, 0, 5)).toBe(true);
    expect(search.has(view, 3, 10)).toBe(false);
    expect(search.has(view, 11, 16)).toBe(true);
    expect(search.has(view, 17, 20)).toBe(false);
    expect(search.has(view, 0, 3)).toBe(true);
    // The same buffer refilled by its owner: reset() forgets what was found in it.
    view.write('abcdefgh|ijklmnopqrs');
    search.reset();
    expect(search.has(view, 0, 5)).toBe(false);
    expect(search.has(view, 5, 10)).toBe(true);
    expect(search.has(Buffer.alloc(0), 0, 0)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { pageSettings } from '../src/settings.js';

describe('page settings', () => {
  it('calls the API of the server that serves the page, relative to where the page lives', () => {
    expect(pageSettings('http://127.0.0.1:6070/#/run/abc', null).server).toBe('http://127.0.0.1:6070');
    expect(pageSettings('http://127.0.0.1:6070/index.html', null).server).toBe('http://127.0.0.1:6070');
    expect(pageSettings('https://lab.example/trainscope/#/', null).server).toBe('https://lab.example/trainscope');
  });

  it('takes another server from ?server=', () => {
    const s = pageSettings('http://localhost:5173/?server=http://10.0.0.2:6070/#/project/x', null);
    expect(s.server).toBe('http://10.0.0.2:6070');
  });

  it('takes a key from ?key=, to keep, and drops it from the address bar', () => {
    const s = pageSettings('http://h:6070/?key=tsk_a_b&server=http://h:6070#/run/r1', 'old');
    expect(s.apiKey).toBe('tsk_a_b');
    expect(s.keyToStore).toBe('tsk_a_b');
    expect(s.href).toBe('http://h:6070/?server=http%3A%2F%2Fh%3A6070#/run/r1');
    const later = pageSettings(s.href, 'tsk_a_b');
    expect(later.apiKey).toBe('tsk_a_b');
    expect(later.keyToStore).toBeUndefined();
    expect(pageSettings('http://h:6070/', null).apiKey).toBeUndefined();
  });
});

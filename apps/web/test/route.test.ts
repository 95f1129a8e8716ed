import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from '../src/route.js';

describe('deep links', () => {
  it('parses every page from the hash and writes it back', () => {
    expect(parseRoute('')).toEqual({ page: 'projects' });
    expect(parseRoute('#/')).toEqual({ page: 'projects' });
    expect(parseRoute('#/project/vision%20x')).toEqual({ page: 'project', project: 'vision x' });
    expect(parseRoute('#/run/k3x9a')).toEqual({ page: 'run', run: 'k3x9a' });
    const compare = parseRoute('#/compare?runs=a,b&metrics=train/loss,val/loss');
    expect(compare).toEqual({ page: 'compare', runs: ['a', 'b'], metrics: ['train/loss', 'val/loss'] });
    expect(routeHash(compare)).toBe('#/compare?runs=a,b&metrics=train/loss,val/loss');
    expect(parseRoute(routeHash({ page: 'project', project: 'a/b' }))).toEqual({ page: 'project', project: 'a/b' });
  });
});

import { describe, expect, it } from 'vitest';
import { normalizePath } from '../../src/gateway/path';

describe('gateway path normalisation', () => {
  it.each([
    ['/', '/'],
    ['/api/x', '/api/x'],
    ['/api//x', '/api/x'],
    ['//evil.test/x', '/evil.test/x'],
    ['/api/x/', '/api/x/'],
    ['/api/x//', '/api/x/'],
    ['/api/a%20b', '/api/a%20b'],
    ['/api/%zz', '/api/%zz'],
    ['/api/...', '/api/...'],
  ])('%s becomes %s', (input, output) => {
    expect(normalizePath(input)).toBe(output);
  });

  it.each(['/api/..', '/api/./x', '/api/%2e%2e/x', '/api/.%2E/x', '/api/%2e', '/api/a%2fb', '/api/a%2Fb', '/api/a%5cb', '/api/a\\b', '/api/a%00b', '/api/%252e%252e/x', '/api/a%252fb', '/api/%25252e%25252e'])(
    'refuses %s',
    (input) => {
      expect(normalizePath(input)).toBeNull();
    },
  );
});

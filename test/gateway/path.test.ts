import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors';
import { canonicalPath, DOT_OR_SEPARATOR, ENCODED_PERCENT, MALFORMED_ESCAPE, NOT_UTF8 } from '../../src/gateway/path';

/** The description canonicalPath refuses `path` with, or null when it does not. */
function refusal(path: string): string | null {
  try {
    canonicalPath(path);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe('invalid_request');
    return (error as OAuthError).message;
  }
}

describe('gateway path canonicalisation (RFC 3986 §6.2.2)', () => {
  it.each([
    // already canonical: returned as it is
    ['/', '/'],
    ['/api/x', '/api/x'],
    ['/api/x/', '/api/x/'],
    ['/api/...', '/api/...'],
    ['/api/.x/x.', '/api/.x/x.'],
    ['/api/a%20b', '/api/a%20b'],
    // runs of slashes collapse; a trailing slash stays
    ['/api//x', '/api/x'],
    ['//evil.test/x', '/evil.test/x'],
    ['/api/x//', '/api/x/'],
    ['///', '/'],
    ['api/x', '/api/x'],
    // unreserved escapes decoded, in either case (§6.2.2.2)
    ['/%61pi/x', '/api/x'],
    ['/api/adm%69n', '/api/admin'],
    ['/api/%41%5a%30%2D%5F%7E', '/api/AZ0-_~'],
    ['/api/.%2e.', '/api/...'],
    ['/api/a%2Eb', '/api/a.b'],
    // other escapes kept, upper-cased (§6.2.2.1)
    ['/api/a%3ab', '/api/a%3Ab'],
    ['/api/%c3%a9t%C3%A9', '/api/%C3%A9t%C3%A9'],
    ['/api/%f0%9f%98%80', '/api/%F0%9F%98%80'],
    ['/api/a%3bb', '/api/a%3Bb'],
    ['/api/%20', '/api/%20'],
    // path parameters pass here; the route decides on them
    ['/api/x;p=1', '/api/x;p=1'],
    ['/api/;x/y', '/api/;x/y'],
    ['/api/...;x', '/api/...;x'],
  ])('%s becomes %s', (input, output) => {
    expect(canonicalPath(input)).toBe(output);
  });

  it('is idempotent: a canonical path comes back as it is', () => {
    for (const path of ['//api//%61%2e%c3%a9//', '/api/%7e;P=%3a/x', '/%41PI']) {
      const canonical = canonicalPath(path);
      expect(canonicalPath(canonical)).toBe(canonical);
    }
  });

  it.each([
    // dot segments in any spelling
    ['/api/..', DOT_OR_SEPARATOR],
    ['/api/.', DOT_OR_SEPARATOR],
    ['/api/./x', DOT_OR_SEPARATOR],
    ['/api/../x', DOT_OR_SEPARATOR],
    ['/api/%2e', DOT_OR_SEPARATOR],
    ['/api/%2e%2e/x', DOT_OR_SEPARATOR],
    ['/api/%2E%2e/x', DOT_OR_SEPARATOR],
    ['/api/.%2E/x', DOT_OR_SEPARATOR],
    // with path parameters attached, in the clear or encoded
    ['/api/..;/admin', DOT_OR_SEPARATOR],
    ['/api/..;jsessionid=x/admin', DOT_OR_SEPARATOR],
    ['/api/%2e%2e;/admin', DOT_OR_SEPARATOR],
    ['/api/.;x/admin', DOT_OR_SEPARATOR],
    ['/api/..%3Bx/admin', DOT_OR_SEPARATOR],
    ['/api/..%3b/admin', DOT_OR_SEPARATOR],
    // separators and NUL, raw or encoded
    ['/api/a%2fb', DOT_OR_SEPARATOR],
    ['/api/a%2Fb', DOT_OR_SEPARATOR],
    ['/api/..%2f..%2fadmin', DOT_OR_SEPARATOR],
    ['/api/a%5cb', DOT_OR_SEPARATOR],
    ['/api/a\\b', DOT_OR_SEPARATOR],
    ['/api/..\\admin', DOT_OR_SEPARATOR],
    ['/api/a%00b', DOT_OR_SEPARATOR],
    ['/api/a\0b', DOT_OR_SEPARATOR],
    // double encoding
    ['/api/%252e%252e/x', ENCODED_PERCENT],
    ['/api/a%252fb', ENCODED_PERCENT],
    ['/api/%25252e%25252e', ENCODED_PERCENT],
    ['/api/100%25', ENCODED_PERCENT],
    // a "%" without two hex digits, wherever it is
    ['/api/%zz', MALFORMED_ESCAPE],
    ['/api/..%2f..%2fadmin%zz', MALFORMED_ESCAPE],
    ['/api/%', MALFORMED_ESCAPE],
    ['/api/%2', MALFORMED_ESCAPE],
    ['/api/%u002e%u002e/admin', MALFORMED_ESCAPE],
    ['/api/x%', MALFORMED_ESCAPE],
    // bytes that are not UTF-8: overlong dots and slashes, surrogates, strays, truncations
    ['/api/%c0%ae%c0%ae/admin', NOT_UTF8],
    ['/api/%C0%AF', NOT_UTF8],
    ['/api/%e0%80%ae', NOT_UTF8],
    ['/api/%f0%80%80%ae', NOT_UTF8],
    ['/api/%ED%A0%80', NOT_UTF8],
    ['/api/%80', NOT_UTF8],
    ['/api/%ff%fe', NOT_UTF8],
    ['/api/%E2%82', NOT_UTF8],
    ['/api/%C3x%A9', NOT_UTF8],
  ])('refuses %s', (input, description) => {
    expect(refusal(input)).toBe(description);
  });

  it('names the first refusal from the left', () => {
    expect(refusal('/api/%zz/..%2f')).toBe(MALFORMED_ESCAPE);
    expect(refusal('/api/%2f/%zz')).toBe(DOT_OR_SEPARATOR);
  });
});

import { OAuthError } from '../../errors';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by single spaces.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Splits a `scope` parameter into distinct scope tokens; malformed input is `invalid_scope`. */
export function parseScopeParam(value: string): string[] {
  const tokens = value.split(' ');
  if (tokens.some((t) => !SCOPE_TOKEN.test(t))) {
    throw new OAuthError('invalid_scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)');
  }
  return [...new Set(tokens)];
}

import { OAuthError } from '../errors';

/**
 * Request paths in the one canonical form the gateway both matches routes on and forwards, so that
 * what the route was chosen for is, byte for byte, what the origin receives (as Envoy's
 * canonicalPath). The runtime's URL parser has already resolved plain and percent-encoded dot
 * segments (WHATWG URL: `..`, `.%2e`, `%2e%2e`); whatever else arrives is either brought to the
 * canonical form or refused, when an origin could still read it as another path.
 */

// The descriptions of the refusals (docs/gateway.md, "Paths"). Dot segments, encoded separators
// and NUL share one, as each lets an origin resolve the path elsewhere.
export const DOT_OR_SEPARATOR = 'the request path holds a dot segment or an encoded separator';
export const MALFORMED_ESCAPE = 'the request path holds a "%" not followed by two hex digits';
export const NOT_UTF8 = 'the request path holds percent-encoded bytes that are not UTF-8';
// A URL parser never leaves these raw in a path (it encodes them, or strips them at the ends, so
// WHATWG reads `/api/.. ` as `/api/..`): refused rather than forwarded as they stand.
export const RAW_CONTROL = 'the request path holds a raw space or control character';
export const ENCODED_PERCENT = 'the request path holds an encoded "%" (%25), a double encoding';

// Escapes that stay refused once upper-cased: `/` and `\` (a separator after the origin decodes
// them), NUL (C strings end there) and `%` (decoded once more, it spells any of the others).
const REFUSED_ESCAPES: Record<string, string> = { '%2F': DOT_OR_SEPARATOR, '%5C': DOT_OR_SEPARATOR, '%00': DOT_OR_SEPARATOR, '%25': ENCODED_PERCENT };

// RFC 3986 §2.3: the unreserved characters, whose escapes are equivalent to them (§6.2.2.2).
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const ESCAPE = /%[0-9A-Fa-f]{2}/g;
const MALFORMED = /%(?![0-9A-Fa-f]{2})/;

/** What any of the checks below could change; most paths hold none of it. */
const MAY_NEED_WORK = /[%;\\\x00-\x20\x7f]|\/\/|\/\.\.?(?:\/|$)/;

function refuse(description: string): never {
  throw new OAuthError('invalid_request', description);
}

function isDot(text: string): boolean {
  return text === '.' || text === '..';
}

/**
 * Whether an origin may take the (canonical) segment for `.` or `..`. Tomcat, Jetty and Spring cut
 * `;parameters` off a segment before decoding it (`..;x` is `..`); others decode first, so that
 * `..%3Bx` becomes `..;x` and then `..`. Once `%25` is refused, decoding again changes nothing.
 */
function isDotSegment(segment: string): boolean {
  if (isDot(segment.split(';', 1)[0]!)) return true;
  return segment.includes('%') && isDot(decodeURIComponent(segment).split(';', 1)[0]!);
}

/** One segment in canonical form (RFC 3986 §6.2.2), or a refusal. */
function canonicalSegment(segment: string): string {
  if (segment.includes('\\') || segment.includes('\0')) refuse(DOT_OR_SEPARATOR);
  if (/[\x01-\x20\x7f]/.test(segment)) refuse(RAW_CONTROL);
  let canonical = segment;
  if (segment.includes('%')) {
    if (MALFORMED.test(segment)) refuse(MALFORMED_ESCAPE);
    // decodeURIComponent follows RFC 3629: overlong forms (`%C0%AE`, `%E0%80%AE`), surrogates and
    // stray continuation bytes throw, where a lenient decoder (old IIS) would make a `.` or `/`.
    try {
      decodeURIComponent(segment);
    } catch {
      refuse(NOT_UTF8);
    }
    canonical = segment.replace(ESCAPE, (escape) => {
      const char = String.fromCharCode(parseInt(escape.slice(1), 16));
      if (UNRESERVED.test(char)) return char;
      const upper = escape.toUpperCase();
      const refusal = REFUSED_ESCAPES[upper];
      if (refusal) refuse(refusal);
      return upper;
    });
  }
  if (isDotSegment(canonical)) refuse(DOT_OR_SEPARATOR);
  return canonical;
}

/**
 * The canonical form of a URL path (RFC 3986 §6.2.2): escapes of unreserved characters decoded,
 * other escapes upper-cased, runs of `/` collapsed to one (so `//host/x` never becomes a
 * scheme-relative URL), a trailing `/` kept.
 *
 * @throws OAuthError `invalid_request` for a path an origin could still read as another one: a dot
 * segment in any spelling (with `;parameters` too), `\`, an encoded `/`, `\`, NUL or `%`, a `%`
 * without two hex digits, or escapes that are not UTF-8. Whether `;parameters` are allowed at all
 * depends on the route, so they are left for the caller.
 */
export function canonicalPath(pathname: string): string {
  if (pathname.startsWith('/') && !MAY_NEED_WORK.test(pathname)) return pathname;
  const kept: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment !== '') kept.push(canonicalSegment(segment));
  }
  const trailing = kept.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${kept.join('/')}${trailing}`;
}

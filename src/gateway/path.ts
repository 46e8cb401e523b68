/**
 * Request paths as the gateway forwards them. The runtime's URL parser has already resolved plain
 * and percent-encoded dot segments (WHATWG URL: `..`, `.%2e`, `%2e%2e`); what can remain and would
 * let an origin see a path outside the route's prefix is refused here, and empty segments
 * (doubled slashes) are collapsed so that `//host/x` can never become a scheme-relative URL.
 */

/**
 * A segment that, once an origin decodes it, is a dot segment or holds a separator or NUL. Decoded
 * up to three times, for origins (or frameworks in front of them) that decode more than once.
 */
function unsafeSegment(segment: string): boolean {
  let current = segment;
  for (let round = 0; round < 4; round++) {
    if (current === '.' || current === '..' || /[\\\0]/.test(current) || (round > 0 && current.includes('/'))) return true;
    if (!current.includes('%')) return false;
    try {
      current = decodeURIComponent(current);
    } catch {
      // Not valid percent-encoding, so no origin decodes it into anything.
      return false;
    }
  }
  return true;
}

const MAY_NEED_WORK = /[%\\\0]|\/\/|\/\.\.?(?:\/|$)/;

/**
 * The normalised form of a URL path: runs of `/` collapsed to one, a trailing `/` kept, or null when
 * the path holds a segment that is, or decodes to, `.` or `..`, or an encoded `/`, `\` or NUL.
 */
export function normalizePath(pathname: string): string | null {
  // Most paths hold no percent sign, backslash, doubled slash or dot segment: already normal.
  if (pathname.startsWith('/') && !MAY_NEED_WORK.test(pathname)) return pathname;
  const segments = pathname.split('/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '') continue;
    if (unsafeSegment(segment)) return null;
    kept.push(segment);
  }
  const trailing = kept.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${kept.join('/')}${trailing}`;
}

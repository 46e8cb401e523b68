import type { GatewayRoute } from './routes';

export interface RouteMatch {
  route: GatewayRoute;
  /** The canonical path after the prefix: `` or starting with `/`. */
  rest: string;
  /**
   * A more specific route that the path names once an origin folds it loosely (see
   * {@link looseSegment}), e.g. `/api/ADMIN/x` for `/api/admin` when the path matched `/api`.
   * Undefined almost always.
   */
  alias: GatewayRoute | undefined;
}

/** A more specific route under another: its prefix segments below the other's, folded loosely. */
interface Deeper {
  route: GatewayRoute;
  below: string[];
}

/**
 * A segment as the loosest origins compare it: decoded, cut at `;` (Tomcat, Jetty, Spring drop
 * path parameters), trailing dots and white space dropped (Windows file names; frameworks that
 * trim) and letter case folded (IIS, ASP.NET Core routing). Upper- then lower-casing also maps
 * `ı` and `ſ` to `i` and `s`, as .NET's case-insensitive comparison does. `segment` is canonical, so
 * it decodes without error.
 */
function looseSegment(segment: string): string {
  const decoded = segment.includes('%') ? decodeURIComponent(segment) : segment;
  return decoded.split(';', 1)[0]!.replace(/[.\s]+$/, '').toUpperCase().toLowerCase();
}

/** The loose segments of a path, dropping those that fold to nothing (`;x`, `%20`), as `//` is. */
function looseSegments(path: string): string[] {
  return path.split('/').map(looseSegment).filter((s) => s !== '');
}

/**
 * Routes indexed by their first path segment, each bucket ordered longest prefix first, so a lookup
 * costs one map read and a few string comparisons however many routes there are.
 */
export class RouteTable {
  private readonly buckets = new Map<string, GatewayRoute[]>();
  /** For each route with more specific routes under it (loosely), those routes. */
  private readonly deeper = new Map<GatewayRoute, Deeper[]>();
  readonly size: number;

  constructor(routes: readonly GatewayRoute[]) {
    for (const route of routes) {
      const first = route.prefix.split('/')[1]!;
      const bucket = this.buckets.get(first) ?? [];
      bucket.push(route);
      this.buckets.set(first, bucket);
    }
    for (const bucket of this.buckets.values()) bucket.sort((a, b) => b.prefix.length - a.prefix.length);
    this.size = routes.length;

    const loose = new Map(routes.map((route) => [route, looseSegments(route.prefix)]));
    for (const route of routes) {
      const mine = loose.get(route)!;
      const under: Deeper[] = [];
      for (const other of routes) {
        const theirs = loose.get(other)!;
        if (theirs.length > mine.length && mine.every((s, i) => theirs[i] === s)) under.push({ route: other, below: theirs.slice(mine.length) });
      }
      if (under.length > 0) this.deeper.set(route, under);
    }
  }

  /**
   * The route with the longest prefix that `path` (canonical) starts with on a segment boundary.
   * Prefixes compare case-sensitively (RFC 3986 §6.2.2.1); {@link RouteMatch.alias} tells when
   * a looser origin would see a more specific route.
   */
  match(path: string): RouteMatch | undefined {
    const end = path.indexOf('/', 1);
    const bucket = this.buckets.get(end < 0 ? path.slice(1) : path.slice(1, end));
    if (!bucket) return undefined;
    for (const route of bucket) {
      if (path.startsWith(route.prefix) && (path.length === route.prefix.length || path[route.prefix.length] === '/')) {
        const rest = path.slice(route.prefix.length);
        return { route, rest, alias: this.alias(route, rest) };
      }
    }
    return undefined;
  }

  /** A more specific route than `route` that `rest` names loosely; only routes with such are looked at. */
  private alias(route: GatewayRoute, rest: string): GatewayRoute | undefined {
    const deeper = this.deeper.get(route);
    if (!deeper) return undefined;
    const segments = looseSegments(rest);
    return deeper.find(({ below }) => below.every((s, i) => segments[i] === s))?.route;
  }
}

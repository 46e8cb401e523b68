import type { GatewayRoute } from './routes';

export interface RouteMatch {
  route: GatewayRoute;
  /** The normalised path after the prefix: `` or starting with `/`. */
  rest: string;
}

/**
 * Routes indexed by their first path segment, each bucket ordered longest prefix first, so a lookup
 * costs one map read and a few string comparisons however many routes there are.
 */
export class RouteTable {
  private readonly buckets = new Map<string, GatewayRoute[]>();
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
  }

  /** The route with the longest prefix that `path` (normalised) starts with on a segment boundary. */
  match(path: string): RouteMatch | undefined {
    const end = path.indexOf('/', 1);
    const bucket = this.buckets.get(end < 0 ? path.slice(1) : path.slice(1, end));
    if (!bucket) return undefined;
    for (const route of bucket) {
      if (path.startsWith(route.prefix) && (path.length === route.prefix.length || path[route.prefix.length] === '/')) {
        return { route, rest: path.slice(route.prefix.length) };
      }
    }
    return undefined;
  }
}

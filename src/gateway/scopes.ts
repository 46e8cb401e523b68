import type { GatewayRoute } from './routes';

/** Whether the granted scopes satisfy the route: all of its scopes, or any one of them. */
export function scopesSatisfy(route: GatewayRoute, granted: readonly string[]): boolean {
  if (route.scopes.length === 0) return true;
  return route.scopeMatch === 'all' ? route.scopes.every((s) => granted.includes(s)) : route.scopes.some((s) => granted.includes(s));
}

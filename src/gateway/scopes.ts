import type { JWTPayload } from 'jose';
import type { GatewayRoute } from './routes';

/**
 * The token's scopes: `scope` as a space-delimited string (RFC 9068 §2.2.3, RFC 8693 §4.2) or as a
 * JSON array (IdentityServer), else `scp` in either form (Azure AD, Okta).
 */
export function tokenScopes(payload: JWTPayload): string[] {
  const claim = payload.scope ?? payload['scp'];
  if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string' && s !== '');
  return [];
}

/** Whether the granted scopes satisfy the route: all of its scopes, or any one of them. */
export function scopesSatisfy(route: GatewayRoute, granted: readonly string[]): boolean {
  if (route.scopes.length === 0) return true;
  return route.scopeMatch === 'all' ? route.scopes.every((s) => granted.includes(s)) : route.scopes.some((s) => granted.includes(s));
}

import type { JWTPayload } from 'jose';

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

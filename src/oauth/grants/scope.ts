import { ADMIN_SCOPE } from '../../admin/names';
import type { Catalog } from '../../core/catalog';
import type { ClientRecord } from '../../core/records';
import { OAuthError } from '../../errors';
import { echoed } from '../../http/form';

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

/**
 * The scopes a request names, all granted or none (IdentityServer's rule): each must be allowed
 * for the client and be a known, enabled API scope, else the request is `invalid_scope`
 * (RFC 6749 §5.2).
 */
export function requestedScopes(requested: readonly string[], client: ClientRecord, catalog: Catalog): string[] {
  for (const scope of requested) {
    if (!client.allowedScopes.includes(scope) || !catalog.scopes.get(scope)?.enabled) {
      throw new OAuthError('invalid_scope', `scope${echoed(scope)} is not allowed for this client`);
    }
  }
  return [...requested];
}

/**
 * The scopes a request without `scope` gets (RFC 6749 §3.3 lets the server choose a default): the
 * client's allowed scopes that are known, enabled and not explicit-only. The admin scope is always
 * explicit-only, so a client allowed both an API and the admin API never gets a token for both
 * without asking. An allowed scope that is disabled or unknown is left out rather than failing the
 * request; when nothing is left, the request is `invalid_scope`.
 */
export function defaultScopes(client: ClientRecord, catalog: Catalog): string[] {
  const granted = [...new Set(client.allowedScopes)].filter((name) => {
    const scope = catalog.scopes.get(name);
    return scope !== undefined && scope.enabled && scope.explicitOnly !== true && name !== ADMIN_SCOPE;
  });
  if (granted.length === 0) throw new OAuthError('invalid_scope', 'the client has no default scopes; request one with the scope parameter');
  return granted;
}

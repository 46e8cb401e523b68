import { KEY, MAX_KEY_BYTES } from '../core/store';
import { OAuthError } from '../errors';

/** The scope an access token needs to call the admin API. */
export const ADMIN_SCOPE = 'gatehouse.admin';

/** The API resource of the admin API: the `aud` its tokens must carry. */
export const ADMIN_RESOURCE = 'gatehouse';

/** The client id `gatehouse admin bootstrap` creates unless told otherwise. */
export const DEFAULT_ADMIN_CLIENT_ID = 'gatehouse-admin';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). Resource names become `aud` values
// and are listed next to scopes, so they follow the same rule.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;

/**
 * Checks an identifier that names a KV key (`keyOf`): 1 to 200 characters, none of them a control
 * character, and a key within KV's size.
 */
function checkKeyName(field: string, value: unknown, keyOf: (name: string) => string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > 200 ||
    // eslint-disable-next-line no-control-regex
    /[\x00-\x1f\x7f]/.test(value) ||
    new TextEncoder().encode(keyOf(value)).length > MAX_KEY_BYTES
  ) {
    throw new OAuthError('invalid_request', `"${field}" must be 1 to 200 characters without control characters`);
  }
  return value;
}

/** Checks a client id, so that it names a `client:` key. */
export function checkClientId(value: unknown): string {
  return checkKeyName('clientId', value, KEY.client);
}

/** Checks the `jti` of a token to revoke: a name KV could hold, as the `revoked:` keys of earlier versions did. */
export function checkJti(value: unknown): string {
  return checkKeyName('jti', value, KEY.revoked);
}

/** Checks a scope or resource name: an RFC 6749 §3.3 scope token of at most 200 characters. */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SCOPE_TOKEN.test(value)) {
    throw new OAuthError('invalid_request', `"${field}" must be 1 to 200 printable ASCII characters without spaces, '"' or '\\'`);
  }
  return value;
}

import { createLocalJWKSet, type JWSHeaderParameters } from 'jose';
import type { ClientRecord } from './records';
import { KeySetAtUri, type RemoteIssuerOptions } from './remote-issuer';

export type KeyLookup = (header: JWSHeaderParameters) => Promise<CryptoKey>;

/** Most `jwks_uri` key sets an isolate keeps; past it, the oldest is dropped and fetched again when needed. */
const MAX_REMOTE_KEY_SETS = 1_000;

/**
 * The clients' public keys in one isolate. Inline `jwks` are imported once per record read (the
 * client store reuses a record for `STORE_CACHE_SECONDS`); a `jwks_uri` is fetched and cached under
 * the rules of trusted issuers' key sets (src/core/remote-issuer.ts), with the same settings.
 */
export class ClientKeySets {
  private readonly inline = new WeakMap<object, KeyLookup>();
  private readonly remote = new Map<string, KeySetAtUri>();

  constructor(private readonly options: RemoteIssuerOptions) {}

  /** The key lookup of `client`, or undefined when it has no keys. */
  of(client: ClientRecord): KeyLookup | undefined {
    if (client.jwks) {
      let keys = this.inline.get(client.jwks);
      if (!keys) this.inline.set(client.jwks, (keys = createLocalJWKSet(client.jwks)));
      return keys;
    }
    if (client.jwksUri) {
      let keys = this.remote.get(client.jwksUri);
      if (!keys) {
        this.remote.set(client.jwksUri, (keys = new KeySetAtUri(client.jwksUri, this.options)));
        if (this.remote.size > MAX_REMOTE_KEY_SETS) this.remote.delete(this.remote.keys().next().value!);
      }
      return keys.keyFor;
    }
    return undefined;
  }
}

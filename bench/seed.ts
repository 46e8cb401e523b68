/**
 * KV records for the benchmarks and the load test, built with Gatehouse's own key generation
 * (src/core/key-ring.ts) so that the Worker reads exactly what production stores. Runs in Node;
 * bench/lib/build.mjs bundles it with esbuild.
 */
import type { JWK } from 'jose';
import type { SigningAlg } from '../src/settings';
import { importKeyEncryptionKey } from '../src/core/key-encryption';
import { generateStoredKey } from '../src/core/key-ring';
import { hashSecret } from '../src/core/secrets';

export interface BenchSeedOptions {
  /** Base64 of 32 bytes; the Worker gets the same value as KEY_ENCRYPTION_KEY. */
  kek: string;
  alg: SigningAlg;
  /** How many clients to store besides `client` (they share its shape and secret). */
  extraClients?: number;
  /** How many scopes (`s1`…`sN`, all of resource `wide`) the client `wide` may request. */
  wideScopes?: number;
  /**
   * A public JWK: when given, a client `signer` (scope api1, no secrets) that authenticates with
   * `private_key_jwt` (RFC 7523) against this one key.
   */
  signerJwk?: JWK;
}

export interface KvEntry {
  key: string;
  value: string;
}

/** The client secret of every benchmark client. */
export const BENCH_SECRET = 'secret';

/**
 * The article's setup (scope and resource `api1`, client `client`), a client `wide` allowed
 * `wideScopes` scopes, `extraClients` more clients `client-1`…, with `signerJwk` a client `signer`
 * authenticating by `private_key_jwt`, and a key ring with one key.
 */
export async function benchEntries(options: BenchSeedOptions): Promise<KvEntry[]> {
  const now = Math.floor(Date.now() / 1000);
  const kek = await importKeyEncryptionKey(options.kek);
  const key = await generateStoredKey(options.alg, kek, now - 60, now - 60);
  const hash = await hashSecret(BENCH_SECRET);
  const wide = Array.from({ length: options.wideScopes ?? 0 }, (_, i) => `s${i + 1}`);
  const client = (clientId: string, allowedScopes: string[]) => ({
    key: `client:${clientId}`,
    value: JSON.stringify({
      clientId,
      name: `Benchmark client ${clientId}`,
      enabled: true,
      secrets: [{ hash }],
      allowedGrantTypes: ['client_credentials'],
      allowedScopes,
    }),
  });
  const entries: KvEntry[] = [
    { key: 'keys', value: JSON.stringify({ keys: [key] }) },
    // As a deployment has it from its first Cron Trigger run: a token's first sight reads no key of its own.
    { key: 'revocations', value: JSON.stringify({ tokens: [] }) },
    { key: 'scope:api1', value: JSON.stringify({ name: 'api1', displayName: 'My API' }) },
    { key: 'resource:api1', value: JSON.stringify({ name: 'api1', displayName: 'My API', scopes: ['api1'] }) },
    client('client', ['api1']),
  ];
  if (wide.length > 0) {
    for (const name of wide) entries.push({ key: `scope:${name}`, value: JSON.stringify({ name }) });
    entries.push({ key: 'resource:wide', value: JSON.stringify({ name: 'wide', scopes: wide }) });
    entries.push(client('wide', wide));
  }
  if (options.signerJwk) {
    entries.push({
      key: 'client:signer',
      value: JSON.stringify({
        clientId: 'signer',
        name: 'Benchmark client signer (private_key_jwt)',
        enabled: true,
        allowedGrantTypes: ['client_credentials'],
        allowedScopes: ['api1'],
        authMethods: ['private_key_jwt'],
        jwks: { keys: [options.signerJwk] },
      }),
    });
  }
  for (let i = 1; i <= (options.extraClients ?? 0); i++) entries.push(client(`client-${i}`, ['api1']));
  return entries;
}

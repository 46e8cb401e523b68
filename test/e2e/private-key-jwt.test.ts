import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouse, type CliResult } from '../cli/run';
import { startServer, type RunningServer } from './helpers/server';

const PORT = 18200;
const API1_URI = 'https://api1.example.com';

let server: RunningServer;
let keyDir: string;
let privateKey: CryptoKey;
let kid: string;

const cli = (args: string[]): Promise<CliResult> => gatehouse(args, { GATEHOUSE_STATE_DIR: server.stateDir });

async function ok(args: string[]): Promise<void> {
  const result = await cli(args);
  expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: expect.any(String) });
}

/** Retries `attempt` until it stops throwing: the running server sees local changes within STORE_CACHE_SECONDS. */
async function eventually<T>(attempt: () => Promise<T>, ms = 40_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

beforeAll(async () => {
  server = await startServer(PORT);
  keyDir = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk = await exportJWK(pair.publicKey);
  await writeFile(join(keyDir, 'public.json'), JSON.stringify(jwk));

  // As an operator would: a client without a secret, its public key, then private_key_jwt only.
  await ok(['clients', 'add', 'signer', '--scope', 'api1', '--no-secret']);
  const added = await cli(['clients', 'keys', 'add', 'signer', '--file', join(keyDir, 'public.json'), '--json']);
  expect({ code: added.code }).toEqual({ code: 0 });
  kid = (JSON.parse(added.stdout) as { kid: string }).kid;
  await ok(['clients', 'update', 'signer', '--auth-method', 'private_key_jwt']);
  await ok(['resources', 'update', 'api1', '--uri', API1_URI]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

describe('private_key_jwt (RFC 7523) and resource indicators (RFC 8707) with openid-client, against npm start', () => {
  it('authenticates with a signed assertion, with and without resource, and the token passes the gateway', { timeout: 120_000 }, async () => {
    const config = await client.discovery(new URL(server.url), 'signer', undefined, client.PrivateKeyJwt({ key: privateKey, kid }), {
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain('private_key_jwt');

    const plain = await eventually(() => client.clientCredentialsGrant(config, { scope: 'api1' }));
    expect(plain.scope).toBe('api1');
    expect(decodeJwt(plain.access_token)).toMatchObject({ client_id: 'signer', aud: 'api1' });

    const narrowed = await eventually(() => client.clientCredentialsGrant(config, { scope: 'api1', resource: API1_URI }));
    expect(decodeJwt(narrowed.access_token)).toMatchObject({ client_id: 'signer', aud: 'api1', scope: 'api1' });

    const res = await client.fetchProtectedResource(config, narrowed.access_token, new URL(`${server.url}/weatherforecast`), 'GET');
    expect(res.status).toBe(200);
  });

  it('refuses an unknown resource with invalid_target, and the client cannot fall back to a secret', { timeout: 60_000 }, async () => {
    const config = await client.discovery(new URL(server.url), 'signer', undefined, client.PrivateKeyJwt({ key: privateKey, kid }), {
      execute: [client.allowInsecureRequests],
    });
    await expect(client.clientCredentialsGrant(config, { scope: 'api1', resource: 'https://unknown.example.com' })).rejects.toMatchObject({
      error: 'invalid_target',
    });

    const secret = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=signer&client_secret=anything',
    });
    expect(secret.status).toBe(401);
    expect(await secret.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  });
});

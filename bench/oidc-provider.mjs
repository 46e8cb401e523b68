#!/usr/bin/env node
// node-oidc-provider, the Node.js OAuth server Gatehouse's benchmark compares itself with: the
// article's client (`client` / `secret`, client_secret_post), the client credentials grant, and
// RFC 9068 JWT access tokens for `api1` signed with `alg`. Run by `npm run bench` in a process of
// its own (so its CPU time can be read apart), on the server's core; prints "ready" when it listens.
// Usage: node bench/oidc-provider.mjs PORT ALG
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const [port, alg] = [Number(process.argv[2]), process.argv[3] ?? 'RS256'];
const { privateKey } = await generateKeyPair(alg, { modulusLength: 2048, extractable: true });
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'client',
      client_secret: 'secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: alg,
    },
  ],
  scopes: ['api1'],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: 'bench' }] },
  features: {
    clientCredentials: { enabled: true },
    // JWT access tokens for an API resource, as Gatehouse issues them.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:api1',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api1', audience: 'api1', accessTokenFormat: 'jwt', jwt: { sign: { alg } } }),
    },
  },
});
provider.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));

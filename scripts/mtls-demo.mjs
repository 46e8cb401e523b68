#!/usr/bin/env node
// `npm run demo:mtls`: mTLS certificate-bound tokens (docs/mtls.md) on this machine. `wrangler dev`
// cannot terminate TLS with client certificates, so this runs the production bundle in Miniflare
// and hands each request the `request.cf.tlsClientAuth` that Cloudflare's edge would set after the
// handshake. The certificates are PEM files (default: the test fixtures of test/fixtures/mtls):
//   npm run demo:mtls [-- client.pem [other.pem]]
// Steps: a client registered for tls_client_auth by its certificate's subject DN, with bound
// tokens, gets a token over a connection with its certificate; the gateway forwards its call with
// that certificate, and refuses it with none and with another one. Nothing is written to disk but a
// temporary bundle; no port is opened to the outside.
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { WRANGLER_ENV } from './lib/build-tools.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [clientPem = join(root, 'test/fixtures/mtls/client.pem'), otherPem = join(root, 'test/fixtures/mtls/other.pem')] = process.argv.slice(2);
const ISSUER = 'https://gatehouse.example';

/** What Cloudflare puts in request.cf.tlsClientAuth for a connection that presented `pem`, chain verified. */
async function tlsClientAuth(pem) {
  const cert = new X509Certificate(await readFile(pem));
  // RFC 2253 order is the reverse of the certificate's; Node prints one attribute a line.
  const rfc2253 = (name) => name.split('\n').reverse().join(',');
  return {
    certPresented: '1',
    certVerified: 'SUCCESS',
    certRevoked: '0',
    certSubjectDNRFC2253: rfc2253(cert.subject),
    certIssuerDNRFC2253: rfc2253(cert.issuer),
    certFingerprintSHA256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    certRFC9440: `:${cert.raw.toString('base64')}:`,
    certRFC9440TooLarge: false,
  };
}

const outDir = await mkdtemp(join(tmpdir(), 'gatehouse-mtls-demo-'));
let mf;
try {
  await promisify(execFile)(join(root, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', outDir], { cwd: root, env: WRANGLER_ENV });
  mf = new Miniflare({
    cf: false,
    modules: true,
    scriptPath: join(outDir, 'index.js'),
    modulesRoot: outDir,
    compatibilityDate: '2026-04-01',
    kvNamespaces: ['GATEHOUSE'],
    bindings: {
      ISSUER,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      GATEWAY_ROUTES: JSON.stringify([{ prefix: '/api', origin: 'https://origin.example', audience: 'api1', scopes: ['api1'] }]),
    },
    // The origin behind the gateway: answers with the assertion's claims, so the binding shows.
    outboundService: (request) => {
      const assertion = request.headers.get('gatehouse-assertion') ?? '';
      const claims = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString() || '{}');
      return Response.json({ origin: 'reached', assertion_cnf: claims.cnf ?? null });
    },
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.resume();
    },
  });
  // The scheduled key rotation gives an empty ring a key that signs at once.
  await (await mf.getWorker()).scheduled({ cron: '*/10 * * * *' });

  const client = await tlsClientAuth(clientPem);
  const other = await tlsClientAuth(otherPem);
  const kv = await mf.getKVNamespace('GATEHOUSE');
  await kv.put('scope:api1', JSON.stringify({ name: 'api1' }));
  await kv.put('resource:api1', JSON.stringify({ name: 'api1', scopes: ['api1'] }));
  await kv.put('client:mtls-demo', JSON.stringify({
    clientId: 'mtls-demo',
    allowedGrantTypes: ['client_credentials'],
    allowedScopes: ['api1'],
    authMethods: ['tls_client_auth'],
    tlsClientAuthSubjectDn: client.certSubjectDNRFC2253,
    tlsClientCertificateBoundAccessTokens: true,
  }));
  console.log(`client mtls-demo: tls_client_auth by subject DN "${client.certSubjectDNRFC2253}", tokens bound to the certificate\n`);

  const call = (path, init, tls) => mf.dispatchFetch(`${ISSUER}${path}`, { ...init, cf: tls ? { tlsClientAuth: tls } : undefined });
  const show = async (what, res) => {
    const challenge = res.headers.get('WWW-Authenticate');
    console.log(`${what}\n  ${res.status} ${await res.text()}${challenge ? `\n  WWW-Authenticate: ${challenge}` : ''}\n`);
  };

  const tokenRes = await call('/connect/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=mtls-demo&scope=api1',
  }, client);
  const body = await tokenRes.json();
  if (tokenRes.status !== 200) throw new Error(`the token endpoint answered ${tokenRes.status}: ${JSON.stringify(body)}`);
  const cnf = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString()).cnf;
  console.log(`POST /connect/token with the client's certificate (client_id only, RFC 8705 §2)\n  200 token_type ${body.token_type}, cnf ${JSON.stringify(cnf)}\n`);

  const bearer = { headers: { Authorization: `Bearer ${body.access_token}` } };
  await show('GET /api/hello with the same certificate', await call('/api/hello', bearer, client));
  await show('GET /api/hello without a certificate', await call('/api/hello', bearer, undefined));
  await show('GET /api/hello with another certificate', await call('/api/hello', bearer, other));
} finally {
  await mf?.dispose();
  await rm(outDir, { recursive: true, force: true });
}

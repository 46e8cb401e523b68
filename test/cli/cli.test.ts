import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_JWK, CERTIFICATE_PEM } from '../admin/certificate';
import { startServer, type RunningServer } from '../e2e/helpers/server';
import { gatehouse, type CliResult } from './run';

// One local state for the whole file: the CLI fills it, then `npm start` serves it.
let stateDir: string;
let server: RunningServer | undefined;
let adminSecret: string;
let m2mSecret: string;
const local = (args: string[], stdin?: string) => gatehouse(args, { GATEHOUSE_STATE_DIR: stateDir }, stdin);

function json<T = Record<string, unknown>>(r: CliResult): T {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
  return JSON.parse(r.stdout) as T;
}

function noHashes(r: CliResult): void {
  expect(r.stdout + r.stderr).not.toMatch(/"hash"|[A-Za-z0-9+/]{43}=/);
}

async function token(clientId: string, secret: string, scope?: string): Promise<Response> {
  return fetch(`${server!.url}/connect/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...(scope ? { scope } : {}) }),
  });
}

/** Key files for `clients keys add`, in the state folder; `ecKid` is the EC key's RFC 7638 thumbprint. */
const files = { ecPem: '', ecJwk: '', privatePem: '', certificate: '', jwks: '' };
let ecKid: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  ecKid = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  const contents = {
    ecPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    ecJwk: JSON.stringify({ ...jwk, kid: 'ec-json' }),
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    certificate: CERTIFICATE_PEM,
    jwks: JSON.stringify({ keys: [jwk] }),
  };
  for (const [name, text] of Object.entries(contents)) {
    files[name as keyof typeof files] = join(stateDir, `${name}.key`);
    await writeFile(files[name as keyof typeof files], text);
  }
});
afterAll(async () => {
  await server?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('gatehouse on local state (what wrangler dev serves)', () => {
  it('refuses a client with an unknown scope (exit 1) and writes nothing', async () => {
    const r = await local(['clients', 'add', 'm2m', '--scope', 'orders.read']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: unknown API scope(s): orders.read\n' });
  });

  it('imports an IdentityServer configuration', async () => {
    const r = await local(['import', 'examples/identityserver.json']);
    expect(r).toEqual({
      code: 0,
      stdout: 'created scopes: orders.read, orders.write\ncreated resources: orders\ncreated clients: billing\n',
      stderr: '',
    });
  });

  it('bootstraps the admin client, printing its secret once', async () => {
    const r = await local(['admin', 'bootstrap', '--json']);
    const body = json<{ client: { clientId: string; allowedScopes: string[]; accessTokenLifetime: number }; secret: { value: string } }>(r);
    expect(body.client).toMatchObject({ clientId: 'gatehouse-admin', allowedScopes: ['gatehouse.admin'], accessTokenLifetime: 300 });
    expect(body.secret.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    adminSecret = body.secret.value;
    noHashes(r);
  });

  it('adds a client with a chosen secret read from stdin: weak, so accepted on local state with a warning', async () => {
    const r = await local(['clients', 'add', 'm2m', '--scope', 'orders.read', '--secret-value', '-', '--description', 'local only', '--claim', 'tier=gold'], 'short\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: weak secret (it has fewer than 32 characters) accepted because the target is local state; a deployed Gatehouse refuses it\n');
    expect(r.stdout).toMatch(/^added secret [A-Za-z0-9_-]{11} to new client m2m\n$/);
    m2mSecret = 'short';
  });

  it('shows and disables the client', async () => {
    const shown = await local(['clients', 'show', 'm2m']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^client id: +m2m\nname: +-\nenabled: +true\ngrant types: +client_credentials\nscopes: +orders\.read\ntoken lifetime: +3600 s\nclaims: +client_tier=gold\nauth methods: +client_secret_basic client_secret_post\njwks uri: +-\nrequires DPoP: +false\ncertificate subject: +-\ncert thumbprints: +-\nbinds to certificate: +false\nkeys: +-\ntokens not before: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z\nsecrets:\n  ID +CREATED +EXPIRES +DESCRIPTION\n  [A-Za-z0-9_-]{11} +\d{4}-\d\d-\d\dT[\d:.]+Z +- +local only\n$/);
    noHashes(shown);
    expect(await local(['clients', 'disable', 'm2m'])).toEqual({ code: 0, stdout: 'disabled client m2m\n', stderr: '' });
  });

  it('adds public keys to a client for private_key_jwt, from a PEM public key and a certificate', async () => {
    expect(await local(['clients', 'add', 'signer', '--no-secret'])).toEqual({ code: 0, stdout: 'added client signer (no secret)\n', stderr: '' });
    expect(await local(['clients', 'keys', 'add', 'signer', '--file', files.ecPem])).toEqual({
      code: 0,
      stdout: `added key ${ecKid} to client signer\n`,
      stderr: 'note: client signer does not use private_key_jwt yet; to let it, update its --auth-method list (gatehouse clients update --help)\n',
    });
    const certificate = json(await local(['clients', 'keys', 'add', 'signer', '--file', files.certificate, '--json']));
    expect(certificate).toEqual({ kid: CERTIFICATE_JWK.kid, kty: 'EC', alg: null, thumbprint: CERTIFICATE_JWK.kid });
    // The same key as a JWK: refused by the target, whatever its kid.
    expect(await local(['clients', 'keys', 'add', 'signer', '--file', files.ecJwk])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: this key is already one of the keys of client "signer"\n',
    });
  });

  it("lists a client's keys, and shows them and its auth methods once it uses private_key_jwt", async () => {
    const listed = await local(['clients', 'keys', 'list', 'signer']);
    expect(listed).toEqual({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^KID +KTY +ALG +THUMBPRINT\n${ecKid} +EC +- +${ecKid}\n${CERTIFICATE_JWK.kid} +EC +- +${CERTIFICATE_JWK.kid}\n$`)),
      stderr: '',
    });
    expect(await local(['clients', 'update', 'signer', '--auth-method', 'private_key_jwt'])).toEqual({ code: 0, stdout: 'updated client signer\n', stderr: '' });
    const shown = await local(['clients', 'show', 'signer']);
    expect(shown.stdout).toMatch(new RegExp(`\nauth methods: +private_key_jwt\njwks uri: +-\nrequires DPoP: +false\ncertificate subject: +-\ncert thumbprints: +-\nbinds to certificate: +false\nkeys: +${ecKid} ${CERTIFICATE_JWK.kid}\n`));
  });

  it('removes a key by its kid, but not the last key of a client that uses private_key_jwt', async () => {
    expect(await local(['clients', 'keys', 'remove', 'signer', ecKid])).toEqual({ code: 0, stdout: `removed key ${ecKid} from client signer\n`, stderr: '' });
    expect(await local(['clients', 'keys', 'remove', 'signer', CERTIFICATE_JWK.kid])).toEqual({
      code: 1,
      stdout: '',
      stderr: `gatehouse: key "${CERTIFICATE_JWK.kid}" is the last key of client "signer", which uses private_key_jwt: add another key or change its "authMethods" first\n`,
    });
    expect(await local(['clients', 'keys', 'remove', 'signer', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: no key "ghost" on client "signer"\n' });
  });

  it('refuses a private key before it leaves the machine, a key set, and a missing --file', async () => {
    // The client "ghost" does not exist: these files are refused here, before the target is asked.
    expect(await local(['clients', 'keys', 'add', 'ghost', '--file', files.privatePem])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: this is a private key; give the public key (openssl pkey -pubout) or the certificate\n',
    });
    expect(await local(['clients', 'keys', 'add', 'ghost', '--file', files.jwks])).toEqual({
      code: 1,
      stdout: '',
      stderr: `gatehouse: ${files.jwks} is a key set (JWKS): give one JWK per file, or the key set's URL with clients update --jwks-uri\n`,
    });
    expect(await local(['clients', 'keys', 'add', 'signer'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "gatehouse: missing --file\nRun 'gatehouse clients keys add --help' for usage.\n",
    });
  });

  it('adds a client that publishes its keys at a jwks uri, with no secret since it uses private_key_jwt only', async () => {
    const r = await local(['clients', 'add', 'published', '--auth-method', 'private_key_jwt', '--jwks-uri', 'https://published.example/jwks']);
    expect(r).toEqual({ code: 0, stdout: 'added client published (no secret)\n', stderr: '' });
    expect(await local(['clients', 'keys', 'list', 'published'])).toEqual({
      code: 0,
      stdout: 'the client publishes its keys at https://published.example/jwks; Gatehouse fetches them when it authenticates\n',
      stderr: '',
    });
  });

  it('adds a client that authenticates with its certificate (tls_client_auth), bound tokens, no secret; a new subject replaces the old', async () => {
    const r = await local(['clients', 'add', 'pki', '--auth-method', 'tls_client_auth', '--tls-san-dns', 'client-a.example.com', '--bind-certificate']);
    expect(r).toEqual({ code: 0, stdout: 'added client pki (no secret)\n', stderr: '' });
    expect(await local(['clients', 'update', 'pki', '--tls-subject-dn', 'CN=client-a,O=Example,C=US'])).toEqual({ code: 0, stdout: 'updated client pki\n', stderr: '' });
    const shown = await local(['clients', 'show', 'pki']);
    expect(shown.stdout).toMatch(/\nauth methods: +tls_client_auth\n.*\ncertificate subject: +tlsClientAuthSubjectDn=CN=client-a,O=Example,C=US\ncert thumbprints: +-\nbinds to certificate: +true\n/s);
    expect(await local(['clients', 'update', 'pki', '--no-tls-subject'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: "authMethods" includes tls_client_auth, which needs one of tlsClientAuthSubjectDn, tlsClientAuthSanDns, tlsClientAuthSanUri, tlsClientAuthSanIp, tlsClientAuthSanEmail\n',
    });
  });

  it('refuses an http jwks uri, and a jwks uri for a client that holds keys', async () => {
    expect(await local(['clients', 'update', 'published', '--jwks-uri', 'http://published.example/jwks'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: "jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)\n',
    });
    expect(await local(['clients', 'update', 'signer', '--jwks-uri', 'https://signer.example/jwks'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: client "signer" holds 1 key(s); remove them before setting "jwksUri"\n',
    });
  });

  it('adds an explicit-only API scope and updates it', async () => {
    const added = json(await local(['scopes', 'add', 'ops', '--explicit-only', '--json']));
    expect(added).toEqual({ name: 'ops', displayName: null, description: null, enabled: true, explicitOnly: true });
    const updated = await local(['scopes', 'update', 'ops', '--no-explicit-only', '--disable', '--description', 'Operations']);
    expect(updated).toEqual({ code: 0, stdout: 'updated API scope ops\n', stderr: '' });
    const listed = await local(['scopes', 'list']);
    expect(listed.stdout).toMatch(/^NAME +ENABLED +EXPLICIT ONLY +DISPLAY NAME +DESCRIPTION\n/);
    expect(listed.stdout).toMatch(/^ops +no +no +- +Operations$/m);
    expect(await local(['scopes', 'update', 'ghost', '--enable'])).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: no API scope "ghost"\n' });
  });

  it('revokes a token by its jti, and every token of a client by moving its tokensNotBefore', async () => {
    expect(await local(['tokens', 'revoke', 'jti-from-a-log'])).toEqual({ code: 0, stdout: 'revoked token jti-from-a-log\n', stderr: '' });
    expect(await local(['tokens', 'revoke', 'a\u0001b'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: "jti" must be 1 to 200 characters without control characters\n',
    });

    const start = Math.floor(Date.now() / 1000);
    const r = await local(['clients', 'revoke-tokens', 'm2m']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const [, iso] = /^revoked the tokens of client m2m issued before (\S+)\n$/.exec(r.stdout) ?? [];
    // Past the second the command ran in: the tokens of that very second are refused too.
    expect(Date.parse(iso!) / 1000).toBeGreaterThanOrEqual(start + 1);
    expect(Date.parse(iso!) / 1000).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    expect(await local(['clients', 'revoke-tokens', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: no client "ghost"\n' });
  });
});

describe('the server started on that state', () => {
  it('issues a token to the imported client with its IdentityServer secret, and none to the disabled one', async () => {
    server = await startServer(18300, { GATEHOUSE_STATE_DIR: stateDir });
    const res = await token('billing', 'secret');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ expires_in: 1800, scope: 'orders.read' });
    const payload = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ iss: server.url, aud: 'orders', client_id: 'billing', client_tenant: 'acme', client_role: ['reader', 'auditor'] });
    expect((await token('m2m', m2mSecret)).status).toBe(401);
  });
});

describe('gatehouse --url: the same commands through the admin API of the running server', () => {
  const remote = (args: string[], env: Record<string, string> = {}) =>
    gatehouse(args, { GATEHOUSE_URL: server!.url, GATEHOUSE_CLIENT_ID: 'gatehouse-admin', GATEHOUSE_CLIENT_SECRET: adminSecret, ...env });

  it('reads what the local CLI wrote; answers an unknown client with exit 1, a bad token or admin secret with exit 3', async () => {
    // Independent reads, run side by side to keep the suite quick.
    const [clients, keys, ghost, badToken, badSecret] = await Promise.all([
      remote(['clients', 'list', '--json']),
      remote(['keys', 'list', '--json']),
      remote(['clients', 'show', 'ghost']),
      remote(['clients', 'list', '--token', 'not-a-token']),
      remote(['clients', 'list'], { GATEHOUSE_CLIENT_SECRET: 'wrong' }),
    ]);
    expect(json<{ clients: Array<{ clientId: string }> }>(clients).clients.map((c) => c.clientId)).toEqual(['billing', 'client', 'console', 'gatehouse-admin', 'm2m', 'pki', 'published', 'signer']);
    noHashes(clients);
    expect(json<{ keys: unknown[] }>(keys).keys).toEqual([expect.objectContaining({ status: 'signing', alg: 'RS256' })]);
    expect(ghost).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: no client "ghost"\n' });
    expect(badToken).toEqual({ code: 3, stdout: '', stderr: 'gatehouse: the token is malformed\n' });
    expect(badSecret).toEqual({ code: 3, stdout: '', stderr: 'gatehouse: the token endpoint refused the admin client: client authentication failed\n' });
  });

  it('adds a client whose generated secret gets a token at once', async () => {
    const r = await remote(['clients', 'add', 'remote1', '--scope', 'orders.read', '--expires', '30d', '--json']);
    const body = json<{ secret: { value: string; expires: string } }>(r);
    expect(Date.parse(body.secret.expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await token('remote1', body.secret.value)).status).toBe(200);
  });

  it('refuses a weak chosen secret, since the target is not local (exit 1)', async () => {
    const r = await remote(['clients', 'secrets', 'add', 'remote1', '--secret-value', 'short']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: the secret is weak: it has fewer than 32 characters; omit "value" to have a strong one generated\n' });
  });

  it('enables the disabled client, which then gets a token; updates its scopes and lifetime', async () => {
    expect(await remote(['clients', 'enable', 'm2m'])).toEqual({ code: 0, stdout: 'enabled client m2m\n', stderr: '' });
    expect((await token('m2m', m2mSecret)).status).toBe(200);
    const updated = json(await remote(['clients', 'update', 'm2m', '--scope', 'orders.read', '--scope', 'orders.write', '--lifetime', '600', '--json']));
    expect(updated).toMatchObject({ allowedScopes: ['orders.read', 'orders.write'], accessTokenLifetime: 600, claims: { tier: 'gold' } });
    const res = await token('m2m', m2mSecret, 'orders.write');
    expect(await res.json()).toMatchObject({ scope: 'orders.write', expires_in: 600 });
  });

  it('lists and removes secrets by id, and manages resource secrets', async () => {
    const listed = json<{ secrets: Array<{ id: string }> }>(await remote(['clients', 'secrets', 'list', 'm2m', '--json']));
    expect(listed.secrets).toHaveLength(1);
    const removed = await remote(['clients', 'secrets', 'remove', 'm2m', listed.secrets[0]!.id]);
    expect(removed).toEqual({ code: 0, stdout: `removed secret ${listed.secrets[0]!.id} from client m2m\n`, stderr: '' });
    expect((await token('m2m', m2mSecret)).status).toBe(401);

    const added = await remote(['resources', 'secrets', 'add', 'orders', '--description', 'introspection']);
    expect(added.stdout).toMatch(/^added secret [A-Za-z0-9_-]{11} to API resource orders\nsecret: [A-Za-z0-9_-]{43}\nThis is the only time the secret is shown; store it now\.\n$/);
    const table = await remote(['resources', 'secrets', 'list', 'orders']);
    expect(table.stdout).toMatch(/^ID +CREATED +EXPIRES +DESCRIPTION\n[A-Za-z0-9_-]{11} +- +- +introspection\n[A-Za-z0-9_-]{11} +\S+ +- +introspection\n$/);
    noHashes(table);
  });

  it('manages scopes and resources', async () => {
    expect((await remote(['scopes', 'add', 'reports', '--display-name', 'Reports'])).stdout).toBe('added API scope reports\n');
    expect((await remote(['resources', 'add', 'reporting', '--scope', 'reports', '--uri', 'https://reports.example/'])).stdout).toBe('added API resource reporting\n');
    expect(await remote(['scopes', 'delete', 'reports'])).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: API scope "reports" is used by API resource(s): reporting\n' });
  });

  it('sets and clears resource uris through PATCH, refusing one another resource has', async () => {
    expect(await remote(['resources', 'update', 'orders', '--uri', 'https://reports.example/'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: API resource "reporting" already has the uri "https://reports.example/"\n',
    });
    expect(await remote(['resources', 'update', 'orders', '--uri', 'https://orders.example/api', '--disable'])).toEqual({ code: 0, stdout: 'updated API resource orders\n', stderr: '' });
    const listed = await remote(['resources', 'list']);
    expect(listed.stdout).toMatch(/^NAME +ENABLED +SCOPES +URI +SECRETS +DISPLAY NAME\n/);
    expect(listed.stdout).toMatch(/^orders +no +orders\.read orders\.write +https:\/\/orders\.example\/api +2 +Orders API$/m);
    expect((await remote(['resources', 'show', 'orders'])).stdout).toMatch(/\nuri: +https:\/\/orders\.example\/api\n/);
    const cleared = json(await remote(['resources', 'update', 'orders', '--no-uri', '--enable', '--json']));
    expect(cleared).toMatchObject({ name: 'orders', uri: null, enabled: true });
  });

  it('manages client keys through the admin API', async () => {
    const added = json(await remote(['clients', 'keys', 'add', 'signer', '--file', files.ecJwk, '--json']));
    expect(added).toEqual({ kid: 'ec-json', kty: 'EC', alg: null, thumbprint: ecKid });
    expect(json(await remote(['clients', 'keys', 'list', 'signer', '--json']))).toEqual({
      jwksUri: null,
      keys: [{ kid: CERTIFICATE_JWK.kid, kty: 'EC', alg: null, thumbprint: CERTIFICATE_JWK.kid }, added],
    });
    expect(await remote(['clients', 'keys', 'remove', 'signer', 'ec-json'])).toEqual({ code: 0, stdout: 'removed key ec-json from client signer\n', stderr: '' });
    expect(await remote(['clients', 'keys', 'list', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: no client "ghost"\n' });
  });

  it('imports through the admin API too, replacing what exists with --overwrite', async () => {
    const refused = await remote(['import', 'examples/identityserver.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('gatehouse: already present: scope:orders.read, scope:orders.write, resource:orders, client:billing; nothing was imported (import with overwrite to replace them)\n');
    expect(await remote(['import', 'examples/identityserver.json', '--overwrite'])).toEqual({
      code: 0,
      stdout: 'replaced scopes: orders.read, orders.write\nreplaced resources: orders\nreplaced clients: billing\n',
      stderr: '',
    });
  });

  it('revokes a token by its jti and the tokens of a client through the admin API', async () => {
    const issued = (await (await token('billing', 'secret')).json()) as { access_token: string };
    const { jti } = JSON.parse(Buffer.from(issued.access_token.split('.')[1]!, 'base64url').toString()) as { jti: string };
    expect(await remote(['tokens', 'revoke', jti])).toEqual({ code: 0, stdout: `revoked token ${jti}\n`, stderr: '' });
    expect(await remote(['tokens', 'revoke', 'x'.repeat(201)])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'gatehouse: "jti" must be 1 to 200 characters without control characters\n',
    });
    const revoked = json<{ clientId: string; tokensNotBefore: number }>(await remote(['clients', 'revoke-tokens', 'billing', '--json']));
    expect(revoked).toMatchObject({ clientId: 'billing', tokensNotBefore: expect.any(Number) });
    expect(revoked.tokensNotBefore).toBeGreaterThan(Date.now() / 1000 - 5);
    expect(await remote(['clients', 'revoke-tokens', 'ghost'])).toEqual({ code: 1, stdout: '', stderr: 'gatehouse: no client "ghost"\n' });
  });

  it('rotates the signing keys now: a successor is published and signs later', async () => {
    const r = await remote(['keys', 'rotate', '--json']);
    const { keys } = json<{ keys: Array<{ status: string; activatesAt: number }> }>(r);
    expect(keys.map((k) => k.status)).toEqual(['next', 'signing']);
    expect(keys[0]!.activatesAt).toBeGreaterThan(Date.now() / 1000);
    // Published at once (a rotation drops the isolate's cached ring): both RSA keys, each with its ES256 assertion key.
    const jwks = (await (await fetch(`${server!.url}/.well-known/openid-configuration/jwks`)).json()) as { keys: Array<{ alg: string }> };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'ES256', 'RS256', 'RS256']);
  });
});

import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshClone, setDevVar } from './helpers/clone';
import { startServer, type RunningServer } from './helpers/server';

const PORT = 18620;

let clone: string;
let server: RunningServer;

/** Runs the clone's CLI on the running server's local state. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(clone, 'bin', 'gatehouse.mjs'), ...args], {
      cwd: clone,
      env: { ...process.env, GATEHOUSE_URL: '', GATEHOUSE_STATE_DIR: server.stateDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function jwksAlgs(): Promise<string[]> {
  const res = await fetch(`${server.url}/.well-known/openid-configuration/jwks`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: Array<{ alg: string }> }).keys.map((k) => k.alg);
}

async function token(): Promise<string> {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa('client:secret')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=api1',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function callApi(accessToken: string): Promise<number> {
  return (await fetch(`${server.url}/weatherforecast`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

/** Retries until `check` passes: the running server re-reads the key ring within STORE_CACHE_SECONDS. */
async function eventually(check: () => Promise<void>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

beforeAll(async () => {
  clone = await freshClone();
  // As a user of a fresh clone would: the setting in .dev.vars, then `npm start`. A short store
  // cache only makes the test's waits for the running server shorter.
  await setDevVar(clone, 'TOKEN_SIGNING_ALG', 'ES256');
  await setDevVar(clone, 'STORE_CACHE_SECONDS', '3');
  server = await startServer(PORT, {}, clone);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (clone) await rm(clone, { recursive: true, force: true });
});

describe('TOKEN_SIGNING_ALG decides the signing key, against npm start of a fresh clone', () => {
  it('creates the first key with the configured algorithm: an ES256 JWKS and ES256 tokens', { timeout: 60_000 }, async () => {
    expect(server.output()).toContain('created a ES256 signing key');
    expect(await jwksAlgs()).toEqual(['ES256']);
    const accessToken = await token();
    const jwks = (await (await fetch(`${server.url}/.well-known/openid-configuration/jwks`)).json()) as { keys: Array<{ kid: string; kty: string; crv: string }> };
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'ES256', kid: jwks.keys[0]!.kid, typ: 'at+jwt' });
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(await callApi(accessToken)).toBe(200);
  });

  it('on an existing ring, a changed setting gives the next key its algorithm; seed --new-key switches at once', { timeout: 180_000 }, async () => {
    const es256Token = await token();
    await setDevVar(clone, 'TOKEN_SIGNING_ALG', 'EdDSA');

    // Seeding again keeps the signing key and says how to switch.
    const seeded = await cli(['seed']);
    expect({ code: seeded.code, stderr: seeded.stderr }).toEqual({ code: 0, stderr: '' });
    expect(seeded.stdout).toContain('note: the local signing key is ES256 while TOKEN_SIGNING_ALG is EdDSA; `npm start -- --new-key` switches now');

    // The rotation publishes an EdDSA successor, which signs after KEY_PROPAGATION.
    // Its log line goes to stderr, so that the JSON on stdout parses.
    const rotated = await cli(['keys', 'rotate', '--json']);
    expect(rotated.code).toBe(0);
    expect(() => JSON.parse(rotated.stdout)).not.toThrow();
    expect(rotated.stderr).toMatch(/^\{"level":"info","event":"key_rotated",[^\n]*\}\n$/);
    const listed = await cli(['keys', 'list', '--json']);
    const keys = (JSON.parse(listed.stdout) as { keys: Array<{ alg: string; status: string }> }).keys;
    expect(keys.map((k) => [k.alg, k.status])).toEqual([['EdDSA', 'next'], ['ES256', 'signing']]);
    await eventually(async () => expect(await jwksAlgs()).toEqual(['ES256', 'EdDSA']));
    expect(decodeProtectedHeader(await token()).alg).toBe('ES256');

    // The switch at once, on local state: the EdDSA key signs now, and the ES256 token still passes.
    const switched = await cli(['seed', '--new-key']);
    expect({ code: switched.code, stderr: switched.stderr }).toEqual({ code: 0, stderr: '' });
    expect(switched.stdout).toContain('added a EdDSA signing key that signs now (older keys stay published)');
    await eventually(async () => expect(decodeProtectedHeader(await token()).alg).toBe('EdDSA'));
    const jwks = (await (await fetch(`${server.url}/.well-known/openid-configuration/jwks`)).json()) as { keys: Array<{ alg: string; kty: string; crv?: string }> };
    expect(jwks.keys.map((k) => [k.alg, k.kty, k.crv])).toEqual([['ES256', 'EC', 'P-256'], ['EdDSA', 'OKP', 'Ed25519']]);
    // The gateway signs its origin assertions with the EdDSA key now: the demo origin, like any
    // validator, trusts it once it refetches the JWKS (jose refetches for an unknown kid at most
    // every 30 s), which is why a deployment publishes a key KEY_PROPAGATION before it signs.
    const edToken = await token();
    await eventually(async () => expect(await callApi(edToken)).toBe(200), 45_000);
    expect(await callApi(es256Token)).toBe(200);
  });
});

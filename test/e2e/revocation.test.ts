import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouse, type CliResult } from '../cli/run';
import { startServer, type RunningServer } from './helpers/server';

const PORT = 18160;

/**
 * How long a change may take to reach the running server: STORE_CACHE_SECONDS (30 s by default, as
 * `npm start` runs) plus KV's propagation, which is immediate on local state; with some slack.
 */
const BOUND_MS = 40_000;
const POLL_MS = 500;

let server: RunningServer;
let resourceSecret: string;

/** The real CLI on the local state the running server serves, as an operator would run it. */
const cli = (args: string[]): Promise<CliResult> => gatehouse(args, { GATEHOUSE_STATE_DIR: server.stateDir });

interface Issued {
  token: string;
  jti: string;
  iat: number;
}

/** A token for the seeded article client, `client` / `secret`, scope api1. */
async function issue(): Promise<Issued> {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'client_id=client&client_secret=secret&scope=api1&grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  const token = ((await res.json()) as { access_token: string }).access_token;
  const { jti, iat } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string; iat: number };
  return { token, jti, iat };
}

/** The gateway's answer to a call of the demo API with the token. */
async function gateway(token: string): Promise<{ status: number; challenge: string | null }> {
  const res = await fetch(`${server.url}/weatherforecast`, { headers: { Authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return { status: res.status, challenge: res.headers.get('WWW-Authenticate') };
}

/** What introspection tells the API resource api1 about the token (RFC 7662). */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/connect/introspect`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`api1:${resourceSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return { status: res.status, ...((await res.json()) as Record<string, unknown>) };
}

/** Probes every POLL_MS until `done` holds or BOUND_MS have passed; the last answer either way. */
async function eventually<T>(probe: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const answer = await probe();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const refused = (answer: { status: number }) => answer.status === 401;

beforeAll(async () => {
  server = await startServer(PORT);
  // The API resource api1 gets a secret, so that it can introspect tokens.
  const added = await cli(['resources', 'secrets', 'add', 'api1', '--description', 'e2e introspection', '--json']);
  expect({ code: added.code, stderr: added.stderr }).toEqual({ code: 0, stderr: '' });
  resourceSecret = (JSON.parse(added.stdout) as { value: string }).value;
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('operators revoke tokens of the running server (npm start) with the CLI on its local state', () => {
  it('a token revoked by its jti is refused by the gateway within the bound; other tokens pass', { timeout: 120_000 }, async () => {
    const issued = await issue();
    expect(await gateway(issued.token)).toEqual({ status: 200, challenge: null });
    // The server reads the resource secret the CLI wrote once its catalog cache has expired.
    expect(await eventually(() => introspect(issued.token), (r) => r.active === true)).toMatchObject({ status: 200, active: true, jti: issued.jti });

    expect(await cli(['tokens', 'revoke', issued.jti])).toEqual({ code: 0, stdout: `revoked token ${issued.jti}\n`, stderr: '' });

    const answer = await eventually(() => gateway(issued.token), refused);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Bearer realm="gatehouse", error="invalid_token", /);
    expect(await eventually(() => introspect(issued.token), (r) => r.active === false)).toEqual({ status: 200, active: false });
    expect((await gateway((await issue()).token)).status).toBe(200);
  });

  it("revoking a client's tokens refuses those issued before; a token fetched a second later works", { timeout: 120_000 }, async () => {
    const old = await issue();
    expect((await gateway(old.token)).status).toBe(200);

    const revoked = await cli(['clients', 'revoke-tokens', 'client', '--json']);
    const revokedAt = Date.now();
    expect({ code: revoked.code, stderr: revoked.stderr }).toEqual({ code: 0, stderr: '' });
    const { tokensNotBefore } = JSON.parse(revoked.stdout) as { tokensNotBefore: number };
    expect(tokensNotBefore).toBeGreaterThan(old.iat);

    const answer = await eventually(() => gateway(old.token), refused);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Bearer realm="gatehouse", error="invalid_token", /);

    // tokensNotBefore is the second after the one the command ran in.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, revokedAt + 1000 - Date.now())));
    const fresh = await issue();
    expect(fresh.iat).toBeGreaterThanOrEqual(tokensNotBefore);
    expect(await gateway(fresh.token)).toEqual({ status: 200, challenge: null });
  });

  it('disabling the client refuses its tokens: the gateway answers 401, introspection active: false', { timeout: 120_000 }, async () => {
    const issued = await issue();
    expect((await gateway(issued.token)).status).toBe(200);
    expect(await introspect(issued.token)).toMatchObject({ status: 200, active: true });

    expect(await cli(['clients', 'disable', 'client'])).toEqual({ code: 0, stdout: 'disabled client client\n', stderr: '' });

    const answer = await eventually(() => gateway(issued.token), refused);
    expect(answer.status).toBe(401);
    expect(answer.challenge).toMatch(/^Bearer realm="gatehouse", error="invalid_token", /);
    expect(await eventually(() => introspect(issued.token), (r) => r.active === false)).toEqual({ status: 200, active: false });
  });

  it('taking gatehouse.admin from the admin client ends its admin access within the bound', { timeout: 120_000 }, async () => {
    const boot = await cli(['admin', 'bootstrap', '--client-id', 'e2e-admin', '--json']);
    expect({ code: boot.code, stderr: boot.stderr }).toEqual({ code: 0, stderr: '' });
    const secret = (JSON.parse(boot.stdout) as { secret: { value: string } }).secret.value;
    const token = await eventually(
      async () => {
        const res = await fetch(`${server.url}/connect/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'e2e-admin', client_secret: secret, scope: 'gatehouse.admin' }).toString(),
        });
        return res.ok ? ((await res.json()) as { access_token: string }).access_token : undefined;
      },
      (t) => t !== undefined,
    );
    expect(token).toBeDefined();
    // The CLI against the running server's admin API, with the token, as an operator elsewhere would.
    const remote = (args: string[]) => gatehouse(args, { GATEHOUSE_URL: server.url, GATEHOUSE_TOKEN: token! });
    expect((await remote(['clients', 'list'])).code).toBe(0);

    expect((await cli(['clients', 'update', 'e2e-admin', '--scope', 'api1'])).code).toBe(0);

    const refusedAdmin = await eventually(() => remote(['clients', 'list']), (r) => r.code !== 0);
    expect(refusedAdmin.code).toBe(3);
    expect(refusedAdmin.stderr).toContain('the token lacks the gatehouse.admin scope');
  });
});

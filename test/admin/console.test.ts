import { env } from 'cloudflare:workers';
import { generateKeyPair, exportJWK, SignJWT, type JWK } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/admin/console/security-headers';
import type { Bindings } from '../../src/env';
import { app } from '../../src/index';
import { ADMIN_ID, ADMIN_SECRET, seedAdmin } from '../helpers/admin';
import { ORIGIN } from '../helpers/fixtures';
import { envWith, issuerControl } from '../helpers/gateway';

const CONSOLE = `${ORIGIN}/admin/console`;

/** A request to the console through the Worker's app, with `bindings` (the test's own by default). */
async function request(path: string, init: RequestInit = {}, bindings: Bindings = env): Promise<Response> {
  return app.fetch(new Request(`${CONSOLE}${path}`, { redirect: 'manual', ...init }), bindings);
}

function form(fields: Record<string, string>, cookie?: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}), ...headers },
    body: new URLSearchParams(fields),
  };
}

/** Signs in with the test's admin client; returns the cookie pair to send back, and the Set-Cookie line. */
async function signIn(bindings: Bindings = env): Promise<{ cookie: string; setCookie: string }> {
  const res = await request('/sign-in', form({ client_id: ADMIN_ID, client_secret: ADMIN_SECRET }), bindings);
  expect(res.status).toBe(303);
  expect(res.headers.get('Location')).toBe('/admin/console/clients');
  const setCookie = res.headers.get('Set-Cookie')!;
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

/** The CSRF token a page gives its forms. */
async function csrfOf(res: Response): Promise<string> {
  const html = await res.text();
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

beforeEach(async () => {
  await seedAdmin();
});

describe('admin console: sessions', () => {
  it('sends every page with the CSP and the security headers', async () => {
    const res = await request('/sign-in');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=UTF-8');
    expect(res.headers.get('Content-Security-Policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get('Content-Security-Policy')).toBe(CONSOLE_CSP);
    expect(res.headers.get('X-Frame-Options')).toBe('DENY');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Referrer-Policy')).toBe('same-origin');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const html = await res.text();
    // No inline script: the one script is a file of this origin.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/admin/console/assets/console.js" defer="">']);
    const script = await request('/assets/console.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('Content-Security-Policy')).toBe(CONSOLE_CSP);
  });

  it('sends a page without a session to sign-in', async () => {
    const res = await request('/clients');
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin/console/sign-in');
  });

  it('signs in with an admin client: a sealed, HttpOnly, SameSite=Strict, Secure __Host- cookie off loopback', async () => {
    const { setCookie, cookie } = await signIn();
    expect(setCookie).toMatch(/^__Host-gatehouse-console=[A-Za-z0-9_-]{200,}; Max-Age=300; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    // The cookie is sealed: neither the token nor the client id can be read from it.
    expect(setCookie).not.toContain('eyJ');
    expect(atob(cookie.split('=')[1]!.replace(/-/g, '+').replace(/_/g, '/').slice(0, 400))).not.toContain(ADMIN_ID);
    const page = await request('/clients', { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Signed in as ${ADMIN_ID}`);
  });

  it('leaves Secure off, and the __Host- prefix, on loopback only', async () => {
    const res = await app.fetch(new Request('http://127.0.0.1:8787/admin/console/sign-in', form({ client_id: ADMIN_ID, client_secret: ADMIN_SECRET })), env);
    expect(res.status).toBe(303);
    expect(res.headers.get('Set-Cookie')).toMatch(/^gatehouse-console=[A-Za-z0-9_-]+; Max-Age=300; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  it('refuses a wrong secret with 401, and a client without the admin scope with 403, and sets no cookie', async () => {
    const wrong = await request('/sign-in', form({ client_id: ADMIN_ID, client_secret: 'wrong' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('Set-Cookie')).toBeNull();
    expect(await wrong.text()).toContain('Sign-in failed: the client id or the secret is wrong, or the client is disabled.');
    const notAdmin = await request('/sign-in', form({ client_id: 'client', client_secret: 'secret' }));
    expect(notAdmin.status).toBe(403);
    expect(await notAdmin.text()).toContain('This client may not use the admin API');
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await request('/sign-in', form({ client_id: ADMIN_ID, client_secret: ADMIN_SECRET }, undefined, { Origin: 'https://evil.test' }));
    expect(res.status).toBe(403);
    expect(res.headers.get('Set-Cookie')).toBeNull();
  });

  it('refuses a tampered cookie: back to sign-in, the cookie cleared', async () => {
    const { cookie } = await signIn();
    const tampered = cookie.slice(0, -4) + (cookie.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const res = await request('/clients', { headers: { Cookie: tampered } });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin/console/sign-in?ended=1');
    expect(res.headers.get('Set-Cookie')).toMatch(/^__Host-gatehouse-console=; Max-Age=0; Path=\/; Secure/);
  });

  it('ends the session after CONSOLE_SESSION_SECONDS', async () => {
    const short = envWith({ CONSOLE_SESSION_SECONDS: '1' });
    const { cookie, setCookie } = await signIn(short);
    expect(setCookie).toContain('Max-Age=1;');
    expect((await request('/clients', { headers: { Cookie: cookie } }, short)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await request('/clients', { headers: { Cookie: cookie } }, short);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin/console/sign-in?ended=1');
  });

  it('ends the session when its admin client is disabled', async () => {
    const { cookie } = await signIn();
    const page = await request(`/clients/${ADMIN_ID}`, { headers: { Cookie: cookie } });
    const res = await request(`/clients/${ADMIN_ID}/disable`, form({ _csrf: await csrfOf(page) }, cookie));
    expect(res.status).toBe(200);
    const after = await request('/clients', { headers: { Cookie: cookie } });
    expect(after.status).toBe(303);
    expect(after.headers.get('Location')).toBe('/admin/console/sign-in?ended=1');
  });

  it('signs out: the cookie is cleared', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(await request('/clients', { headers: { Cookie: cookie } }));
    const res = await request('/sign-out', form({ _csrf: csrf }, cookie));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin/console/sign-in?signed-out=1');
    expect(res.headers.get('Set-Cookie')).toMatch(/^__Host-gatehouse-console=; Max-Age=0; Path=\/; Secure/);
  });

  it('rejects a setting it cannot use, naming it', async () => {
    const res = await request('/sign-in', {}, envWith({ CONSOLE_SESSION_SECONDS: 'soon' }));
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('the setting CONSOLE_SESSION_SECONDS is invalid');
  });
});

describe('admin console: pages and changes', () => {
  it('answers an unknown page or record with a 404 page, and leaves the admin API its own answers', async () => {
    const { cookie } = await signIn();
    const missing = await request('/nothing-here', { headers: { Cookie: cookie } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Type')).toBe('text/html; charset=UTF-8');
    expect(await missing.text()).toContain('there is no such page in the console');
    const noClient = await request('/clients/nobody', { headers: { Cookie: cookie } });
    expect(noClient.status).toBe(404);
    expect(await noClient.text()).toContain('no client &quot;nobody&quot;');
    // The JSON admin API still answers for itself.
    const api = await app.fetch(new Request(`${ORIGIN}/admin/clients`), env);
    expect(api.status).toBe(401);
    expect(api.headers.get('Content-Type')).toBe('application/json');
  });

  it('creates a client from the template (201, the secret in the page once) and refuses a duplicate with 409', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(await request('/clients/new', { headers: { Cookie: cookie } }));
    const created = await request('/clients', form({ _csrf: csrf, clientId: 'job', scope: 'api1', accessTokenLifetime: '600' }, cookie));
    expect(created.status).toBe(201);
    const secret = /id="new-secret" class="secret" type="text" readonly="" value="([A-Za-z0-9_-]{43})"/.exec(await created.text())![1]!;
    const stored = JSON.parse((await env.GATEHOUSE.get('client:job'))!) as Record<string, unknown>;
    expect(stored).toMatchObject({ clientId: 'job', allowedScopes: ['api1'], allowedGrantTypes: ['client_credentials'], accessTokenLifetime: 600 });
    expect(JSON.stringify(stored)).not.toContain(secret);
    const again = await request('/clients', form({ _csrf: csrf, clientId: 'job' }, cookie));
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('client &quot;job&quot; already exists');
  });

  it('adds a secret with an expiry and removes one, and adds and removes a public key', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(await request('/clients/client', { headers: { Cookie: cookie } }));
    const added = await request('/clients/client/secrets', form({ _csrf: csrf, expires: '2099-12-31', description: 'rollover' }, cookie));
    expect(added.status).toBe(201);
    const html = await added.text();
    expect(html).toContain('It expires 2099-12-31 23:59 UTC.');
    let stored = JSON.parse((await env.GATEHOUSE.get('client:client'))!) as { secrets: Array<{ id: string; expires?: string; description?: string }> };
    expect(stored.secrets.map((x) => [x.expires ?? null, x.description ?? null])).toEqual([[null, null], ['2099-12-31T23:59:59.000Z', 'rollover']]);
    const past = await request('/clients/client/secrets', form({ _csrf: csrf, expires: '2000-01-01' }, cookie));
    expect(past.status).toBe(400);
    expect(await past.text()).toContain('&quot;expires&quot; must be in the future');
    const removed = await request(`/clients/client/secrets/${stored.secrets[1]!.id}/remove`, form({ _csrf: csrf }, cookie));
    expect(removed.status).toBe(200);
    stored = JSON.parse((await env.GATEHOUSE.get('client:client'))!);
    expect(stored.secrets).toHaveLength(1);

    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    expect((await request('/clients/client/keys', form({ _csrf: csrf, key: JSON.stringify(jwk) }, cookie))).status).toBe(200);
    expect((JSON.parse((await env.GATEHOUSE.get('client:client'))!) as { jwks: { keys: Array<{ kid: string }> } }).jwks.keys.map((k) => k.kid)).toEqual(['k1']);
    const bad = await request('/clients/client/keys', form({ _csrf: csrf, key: 'not a key' }, cookie));
    expect(bad.status).toBe(400);
    expect((await request('/clients/client/keys/k1/remove', form({ _csrf: csrf }, cookie))).status).toBe(200);
    expect(JSON.parse((await env.GATEHOUSE.get('client:client'))!).jwks).toBeUndefined();
  });

  it('escapes what records hold: a client name cannot inject markup', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(await request('/clients/client', { headers: { Cookie: cookie } }));
    expect((await request('/clients/client/settings', form({ _csrf: csrf, name: '<script>alert(1)</script>', scope: 'api1' }, cookie))).status).toBe(200);
    const html = await (await request('/clients', { headers: { Cookie: cookie } })).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
  });

  it('refuses a form over 64 KiB with 413', async () => {
    const { cookie } = await signIn();
    const res = await request('/clients', form({ clientId: 'x'.repeat(70 * 1024) }, cookie));
    expect(res.status).toBe(413);
  });
});

describe('admin console: Evaluate', () => {
  it('shows the claims the token endpoint would issue, without issuing a token', async () => {
    const { cookie } = await signIn();
    const res = await request('/evaluate?client=client&scope=api1', { headers: { Cookie: cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const unescape = (t: string) => t.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const shown = JSON.parse(unescape(/<pre id="token-claims">([^<]*)<\/pre>/.exec(html)![1]!)) as Record<string, unknown>;
    const header = JSON.parse(unescape(/<pre id="token-header">([^<]*)<\/pre>/.exec(html)![1]!)) as Record<string, unknown>;

    const issued = await app.fetch(
      new Request(`${ORIGIN}/connect/token`, form({ grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret', scope: 'api1' })),
      env,
    );
    const token = ((await issued.json()) as { access_token: string }).access_token;
    const [h, p] = token.split('.').slice(0, 2).map((part) => JSON.parse(atob(part!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>);
    expect(header).toEqual(h);
    const timeless = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !['jti', 'iat', 'nbf', 'exp'].includes(k)));
    expect(timeless(shown)).toEqual(timeless(p!));
    expect(Object.keys(shown).sort()).toEqual(Object.keys(p!).sort());
    expect(shown.jti).toBe('(random at issue)');
  });

  it('shows the error the token endpoint would answer', async () => {
    const { cookie } = await signIn();
    const html = await (await request('/evaluate?client=client&scope=nope', { headers: { Cookie: cookie } })).text();
    expect(html).toContain('The token endpoint would refuse: <code>invalid_scope</code>, “scope &quot;nope&quot; is not allowed for this client”.');
  });
});

describe('admin console: CSRF', () => {
  it('refuses a change without its CSRF token, with a wrong one, or from another origin (403), and changes nothing', async () => {
    const { cookie } = await signIn();
    const csrf = await csrfOf(await request('/clients', { headers: { Cookie: cookie } }));
    for (const [fields, headers] of [
      [{}, {}],
      [{ _csrf: 'x'.repeat(csrf.length) }, {}],
      [{ _csrf: csrf }, { Origin: 'https://evil.test' }],
    ] as const) {
      const res = await request('/clients/client/disable', form(fields, cookie, headers));
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("the form was refused: it did not carry this page&#39;s security token");
    }
    expect(JSON.parse((await env.GATEHOUSE.get('client:client'))!).enabled).toBe(true);
    const ok = await request('/clients/client/disable', form({ _csrf: csrf }, cookie));
    expect(ok.status).toBe(200);
    expect(JSON.parse((await env.GATEHOUSE.get('client:client'))!).enabled).toBe(false);
  });

  it('binds the CSRF token to the session: another session\'s token is refused', async () => {
    const one = await signIn();
    const two = await signIn();
    const csrfOne = await csrfOf(await request('/clients', { headers: { Cookie: one.cookie } }));
    const res = await request('/clients/client/disable', form({ _csrf: csrfOne }, two.cookie));
    expect(res.status).toBe(403);
  });
});

describe('admin console: Cloudflare Access', () => {
  const TEAM = 'acme.cloudflareaccess.com';
  const AUD = 'aud-tag-0123456789';
  let key: { privateKey: CryptoKey; jwk: JWK };
  const access = envWith({ ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD, ACCESS_ALLOWED_EMAILS: 'ops@acme.test', ACCESS_ALLOWED_GROUPS: 'gatehouse-admins' });

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    key = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'access-1', alg: 'RS256' } };
    await issuerControl(TEAM, { jwks: { keys: [key.jwk] } });
  });

  function accessJwt(claims: Record<string, unknown> = {}, signingKey = key.privateKey): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: 'ops@acme.test', sub: 'user-1', iss: `https://${TEAM}`, aud: [AUD], iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'access-1' })
      .sign(signingKey);
  }

  const withJwt = (jwt: string) => ({ headers: { 'Cf-Access-Jwt-Assertion': jwt } });

  it('lets in an allowed e-mail address, with no session cookie', async () => {
    const res = await request('/clients', withJwt(await accessJwt()), access);
    expect(res.status).toBe(200);
    expect(res.headers.get('Set-Cookie')).toBeNull();
    expect(await res.text()).toContain('Signed in as ops@acme.test');
  });

  it('lets in an allowed group', async () => {
    const res = await request('/clients', withJwt(await accessJwt({ email: 'someone@acme.test', groups: ['staff', 'gatehouse-admins'] })), access);
    expect(res.status).toBe(200);
  });

  it('checks CSRF for Access users too', async () => {
    const jwt = await accessJwt();
    const csrf = await csrfOf(await request('/clients/client', withJwt(jwt), access));
    expect((await request('/clients/client/disable', form({}, undefined, { 'Cf-Access-Jwt-Assertion': jwt }), access)).status).toBe(403);
    expect((await request('/clients/client/disable', form({ _csrf: csrf }, undefined, { 'Cf-Access-Jwt-Assertion': jwt }), access)).status).toBe(200);
  });

  it('refuses (403) no token, another audience, another issuer, an expired token, a foreign key, and a person not named', async () => {
    const { privateKey: foreign } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<RequestInit> = [
      {},
      withJwt(await accessJwt({ aud: ['other-app'] })),
      withJwt(await accessJwt({ iss: 'https://other.cloudflareaccess.com' })),
      withJwt(await accessJwt({ iat: now - 7200, exp: now - 3600 })),
      withJwt(await accessJwt({}, foreign)),
      withJwt(await accessJwt({ email: 'intruder@acme.test' })),
      withJwt('not-a-jwt'),
    ];
    for (const init of cases) {
      const res = await request('/clients', init, access);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Cloudflare Access did not vouch for an identity allowed to use this console');
    }
  });

  it('offers no sign-in form behind Access', async () => {
    const res = await request('/sign-in', {}, access);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/admin/console/clients');
  });

  it('names a half-configured Access setting', async () => {
    const res = await request('/sign-in', {}, envWith({ ACCESS_TEAM_DOMAIN: TEAM }));
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('the setting ACCESS_AUD is invalid');
  });
});

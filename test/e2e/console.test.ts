import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowser, type RunningBrowser } from './helpers/browser';
import { startServer, type RunningServer } from './helpers/server';

const PORT = 18700;
// Every run takes the screenshots; `UPDATE_SCREENSHOTS=1 npm test` writes them over docs/console's,
// other runs into a temporary folder, so that a test run leaves the checkout as it was.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', '..', 'docs', 'console') : join(tmpdir(), 'gatehouse-console-screenshots');
mkdirSync(SHOTS, { recursive: true });

let server: RunningServer;
let chromium: RunningBrowser;
let context: BrowserContext;
let page: Page;

const consoleUrl = (path = '') => `${server.url}/admin/console${path}`;

/** A screenshot of the page as it is, for docs/console.md. */
async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Clicks and waits for the navigation the click starts (a link or a form's submit button). */
async function clickAndWait(selector: string, p: Page = page): Promise<number> {
  const [response] = await Promise.all([p.waitForNavigation(), p.click(selector)]);
  return response!.status();
}

async function text(selector: string, p: Page = page): Promise<string> {
  return p.$eval(selector, (e) => (e as unknown as { innerText: string }).innerText);
}

async function signIn(p: Page, clientId: string, secret: string): Promise<number> {
  await p.goto(consoleUrl('/sign-in'));
  await p.type('#client_id', clientId);
  await p.type('#client_secret', secret);
  return clickAndWait('main button[type=submit]', p);
}

async function tokenFor(clientId: string, secret: string): Promise<Response> {
  return fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'api1' }),
  });
}

beforeAll(async () => {
  [server, chromium] = await Promise.all([startServer(PORT), startBrowser()]);
  context = chromium.browser.defaultBrowserContext();
  await context.overridePermissions(server.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  page = await context.newPage();
  await page.setViewport({ width: 1100, height: 800 });
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  await server?.stop();
});

describe('the admin console in a browser', () => {
  it('npm start prints the console URL and how to sign in', () => {
    expect(server.output()).toContain(`admin console: ${server.url}/admin/console (sign in with client id "console", secret "console-secret")`);
  });

  it('signs in with the seeded admin client and lists the clients', async () => {
    const res = await page.goto(consoleUrl());
    expect(res!.status()).toBe(200);
    expect(page.url()).toBe(consoleUrl('/sign-in'));
    await shot('sign-in');

    expect(await signIn(page, 'console', 'wrong-secret')).toBe(401);
    expect(await text('[role=alert]')).toContain('Sign-in failed');

    // From the keyboard alone: type, Tab to the secret, Enter submits.
    await page.$eval('#client_id', (e) => ((e as unknown as { value: string }).value = ''));
    await page.focus('#client_id');
    await page.keyboard.type('console');
    await page.keyboard.press('Tab');
    await page.keyboard.type('console-secret');
    const [signedIn] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(signedIn!.status()).toBe(200);
    expect(page.url()).toBe(consoleUrl('/clients'));
    expect(await text('.who')).toContain('Signed in as console');
    const ids = await page.$$eval('tbody tr td:first-child a', (as) => as.map((a) => a.textContent));
    expect(ids).toEqual(['client', 'console']);
    await shot('clients');

    await page.type('#q', 'exam');
    await clickAndWait('form[role=search] button');
    expect(await page.$$eval('tbody tr td:first-child a', (as) => as.map((a) => a.textContent))).toEqual(['client']);
  });

  let secret: string;

  it('creates a machine client, copies its secret, and gets a token with it', async () => {
    await page.goto(consoleUrl('/clients/new'));
    await page.type('#clientId', 'billing-job');
    await page.type('#name', 'Nightly billing job');
    await page.click('input[name=scope][value=api1]');
    await shot('client-new');
    expect(await clickAndWait('main button[type=submit]')).toBe(201);
    expect(await text('div.notice[role=status]')).toContain('Client billing-job was created.');

    await page.click('button[data-copy=new-secret]');
    await page.waitForFunction("document.getElementById('new-secret-status').textContent === 'Copied.'");
    // Read back from the system clipboard, as a paste would.
    secret = (await page.evaluate('navigator.clipboard.readText()')) as string;
    expect(secret).toBe(await page.$eval('#new-secret', (e) => (e as unknown as { value: string }).value));
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await shot('client-created');

    const res = await tokenFor('billing-job', secret);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('api1');
  });

  it('disables the client, and the token endpoint refuses it', async () => {
    expect(await clickAndWait('form[action$="/disable"] button')).toBe(200);
    expect(await text('h1')).toContain('disabled');
    const res = await tokenFor('billing-job', secret);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    await shot('client-detail');

    expect(await clickAndWait('form[action$="/enable"] button')).toBe(200);
    expect((await tokenFor('billing-job', secret)).status).toBe(200);
  });

  it('refuses a form posted without its CSRF token', async () => {
    await page.goto(consoleUrl('/clients/billing-job'));
    await page.$eval('form[action$="/disable"] input[name=_csrf]', (e) => e.remove());
    expect(await clickAndWait('form[action$="/disable"] button')).toBe(403);
    expect(await text('[role=alert]')).toContain("did not carry this page's security token");
    // Nothing changed.
    expect((await tokenFor('billing-job', secret)).status).toBe(200);
  });

  it('deletes a client after asking', async () => {
    await page.goto(consoleUrl('/clients/billing-job'));
    await clickAndWait('a[href$="/delete"]');
    expect(await text('h1')).toBe('Delete client billing-job?');
    await shot('client-delete');
    expect(await clickAndWait('main form button.danger')).toBe(200);
    expect(page.url()).toBe(consoleUrl('/clients?deleted=billing-job'));
    expect((await tokenFor('billing-job', secret)).status).toBe(401);
  });

  it('an ended session returns to sign-in', async () => {
    // An admin client whose tokens live 2 s: the session ends with its token.
    await page.goto(consoleUrl('/clients/new'));
    await page.type('#clientId', 'short-admin');
    await page.click('input[name=scope][value="gatehouse.admin"]');
    await page.$eval('#accessTokenLifetime', (e) => ((e as unknown as { value: string }).value = '2'));
    expect(await clickAndWait('main button[type=submit]')).toBe(201);
    const shortSecret = await page.$eval('#new-secret', (e) => (e as unknown as { value: string }).value);

    const other = await chromium.browser.createBrowserContext();
    const p = await other.newPage();
    expect(await signIn(p, 'short-admin', shortSecret)).toBe(200);
    expect(p.url()).toBe(consoleUrl('/clients'));
    await new Promise((r) => setTimeout(r, 2500));
    await p.goto(consoleUrl('/clients'));
    expect(p.url()).toMatch(new RegExp(`^${consoleUrl('/sign-in')}`));
    expect(await text('h1', p)).toBe('Sign in');
    await other.close();
  });

  it('creates, edits, disables and deletes API scopes and API resources', async () => {
    await page.goto(consoleUrl('/scopes/new'));
    await page.type('#name', 'orders.read');
    await page.type('#displayName', 'Read orders');
    await shot('scope-new');
    expect(await clickAndWait('main button[type=submit]')).toBe(200);
    expect(await text('div.notice[role=status]')).toBe('API scope orders.read was created.');
    await shot('scopes');

    // A name that is not an RFC 6749 scope token is refused, with the admin operations' words.
    await page.goto(consoleUrl('/scopes/new'));
    await page.type('#name', 'has space');
    expect(await clickAndWait('main button[type=submit]')).toBe(400);
    expect(await text('[role=alert]')).toContain('"name" must be 1 to 200 printable ASCII characters');

    await page.goto(consoleUrl('/resources/new'));
    await page.type('#name', 'orders');
    await page.type('#uri', 'https://orders.example.com');
    await page.click('input[name=scope][value="orders.read"]');
    expect(await clickAndWait('main button[type=submit]')).toBe(200);
    expect(await text('div.notice[role=status]')).toBe('API resource orders was created.');
    await shot('resources');

    await page.goto(consoleUrl('/resources/orders'));
    await page.type('#displayName', 'Orders API');
    expect(await clickAndWait('main form button[type=submit]')).toBe(200);
    expect(await text('div.notice[role=status]')).toBe('Saved.');
    await shot('resource-edit');

    await page.goto(consoleUrl('/scopes'));
    expect(await clickAndWait('form[action$="/scopes/orders.read/disable"] button')).toBe(200);
    expect(await text('div.notice[role=status]')).toBe('API scope orders.read is disabled: it is no longer granted.');

    await page.goto(consoleUrl('/resources/orders/delete'));
    expect(await clickAndWait('main form button.danger')).toBe(200);
    expect(page.url()).toBe(consoleUrl('/resources?deleted=orders'));
    expect(await page.$$eval('tbody tr td:first-child a', (as) => as.map((a) => a.textContent))).toEqual(['api1', 'gatehouse']);
  });

  it('evaluates the claims of a token without issuing one', async () => {
    await page.goto(consoleUrl('/evaluate'));
    await page.select('#client', 'client');
    await page.type('#scope', 'api1');
    expect(await clickAndWait('main button[type=submit]')).toBe(200);
    const claims = JSON.parse(await text('#token-claims')) as Record<string, unknown>;
    expect(claims).toMatchObject({ client_id: 'client', sub: 'client', scope: 'api1', aud: 'api1', iss: server.url, jti: '(random at issue)' });
    await shot('evaluate');

    await page.$eval('#scope', (e) => ((e as unknown as { value: string }).value = 'gatehouse.admin'));
    expect(await clickAndWait('main button[type=submit]')).toBe(200);
    expect(await text('[role=alert]')).toBe('The token endpoint would refuse: invalid_scope, “scope "gatehouse.admin" is not allowed for this client”.');
  });

  it('imports an IdentityServer appsettings.json after a preview of what it adds and changes', async () => {
    await page.goto(consoleUrl('/import'));
    await shot('import');
    const input = await page.$('#file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(join(import.meta.dirname, '..', '..', 'examples', 'identityserver.json'));
    expect(await clickAndWait('main button[type=submit]')).toBe(200);
    const rows = await page.$$eval('tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // orders.read exists from the scopes journey, disabled: the import would enable it.
    expect(rows).toEqual([
      ['API scope', 'orders.read', 'replaced', 'enabled'],
      ['API scope', 'orders.write', 'added', ''],
      ['API resource', 'orders', 'added', ''],
      ['client', 'billing', 'added', ''],
    ]);
    await shot('import-preview');
    expect(await clickAndWait('main form[action$="/import/apply"] button')).toBe(200);
    expect(await text('div.notice[role=status]')).toContain('Imported: 3 added, 1 replaced.');
    // The imported client works with the secret IdentityServer had for it ("secret").
    const res = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=billing&client_secret=secret',
    });
    expect(res.status).toBe(200);
  });

  it('rotates the signing key, and the timeline shows the new key', async () => {
    await page.goto(consoleUrl('/keys'));
    const statuses = () => page.$$eval('svg.timeline g.key', (gs) => gs.map((g) => g.getAttribute('data-status')));
    expect(await statuses()).toEqual(['signing']);
    expect(await text('#rotate-what')).toMatch(/^Rotating now publishes a new RS256 key in the JWKS at once; it starts signing .* after the propagation period \(14 days\)/);
    await shot('keys');

    expect(await clickAndWait('form[action$="/keys/rotate"] button')).toBe(200);
    expect(await text('div.notice[role=status]')).toMatch(/^Key \S+ was published\.$/);
    expect(await statuses()).toEqual(['signing', 'next']);
    expect(await page.$$eval('svg.timeline rect.period.published', (rs) => rs.length)).toBe(1);
    expect(await text('#rotate-what')).toMatch(/^Rotating now does nothing: key \S+ is already published/);
    await shot('keys-rotated');
    // The JWKS publishes both at once.
    const jwks = (await (await fetch(`${server.url}/.well-known/openid-configuration/jwks`)).json()) as { keys: Array<{ alg: string }> };
    expect(jwks.keys.filter((k) => k.alg === 'RS256')).toHaveLength(2);
  });

  it('is usable at 360 px wide: no page scrolls sideways', async () => {
    await page.setViewport({ width: 360, height: 740 });
    for (const path of ['/clients', '/clients/client', '/keys', '/scopes', '/evaluate?client=client', '/import']) {
      await page.goto(consoleUrl(path));
      expect({ path, width: await page.evaluate('document.documentElement.scrollWidth') }).toEqual({ path, width: 360 });
    }
    await page.goto(consoleUrl('/clients'));
    await shot('clients-360');
    await page.goto(consoleUrl('/keys'));
    await shot('keys-360');
    await page.setViewport({ width: 1100, height: 800 });
  });

  it('signs out', async () => {
    expect(await clickAndWait('header form button')).toBe(200);
    expect(page.url()).toBe(consoleUrl('/sign-in?signed-out=1'));
    await page.goto(consoleUrl('/clients'));
    expect(page.url()).toBe(consoleUrl('/sign-in'));
  });
});

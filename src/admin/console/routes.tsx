import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ConfigError } from '../../config-error';
import { log } from '../../core/log';
import { OAuthError } from '../../errors';
import { servicesFor } from '../../services';
import { CONSOLE_CSS, CONSOLE_JS } from './assets';
import { consoleCatalogRoutes } from './catalog-routes';
import { consoleClientRoutes } from './clients-routes';
import { consoleEvaluateRoutes } from './evaluate';
import { consoleImportRoutes } from './import';
import { consoleKeyRoutes } from './keys-routes';
import { ErrorPage } from './error-page';
import { readConsoleForm } from './form';
import { CONSOLE_PATH } from './paths';
import { page, seeOther } from './respond';
import { consoleSecurityHeaders } from './security-headers';
import { endSession, requireConsoleViewer, requireCsrfToken, signIn, SignInFailed, type ConsoleEnv } from './sign-in';
import { SignInPage } from './sign-in-page';

/** The largest form the console reads; an IdentityServer file to import may be larger. */
const MAX_FORM_BYTES = 64 * 1024;
const MAX_IMPORT_BYTES = 1024 * 1024;

function tooLarge(): never {
  throw new OAuthError('invalid_request', 'the form is too large', { status: 413 });
}

/** Failures as console pages: the status of the error, its words, and no stack or request data. */
async function renderConsoleError(error: Error, c: Context<ConsoleEnv>): Promise<Response> {
  if (error instanceof OAuthError && error.status < 500) {
    const title = error.status === 404 ? 'Not found' : error.status === 403 ? 'Refused' : 'Not done';
    const response = await page(c, <ErrorPage title={title} message={error.message} />, error.status);
    for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
    return response;
  }
  if (error instanceof ConfigError) log('error', 'config_invalid', { setting: error.setting, problem: error.message });
  else if (error instanceof OAuthError) log('error', 'request_rejected', { path: c.req.path, code: error.code, detail: error.logDetail });
  else log('error', 'unhandled_error', { path: c.req.path, name: error.name, message: error.message });
  // As the JSON endpoints say it (src/http/errors.ts): which setting, never its value.
  const message =
    error instanceof ConfigError
      ? `Gatehouse is misconfigured: the setting ${error.setting} is invalid`
      : error instanceof OAuthError
        ? error.message
        : 'Something went wrong on the server; the log says what.';
  return page(c, <ErrorPage title="Server error" message={message} />, error instanceof OAuthError ? error.status : 500);
}

function asset(body: string, type: string) {
  return (c: Context) => c.body(body, 200, { 'Content-Type': type });
}

/**
 * The admin console (docs/console.md), served under {@link CONSOLE_PATH}: pages rendered on the
 * server, forms that post, one small script for copy buttons. Every change goes through the admin
 * operations the JSON API uses (src/admin/logged-operations.ts), so validation and log lines are
 * the same.
 */
export const consoleRoutes = new Hono<ConsoleEnv>()
  .use('*', consoleSecurityHeaders())
  .get('/assets/console.css', asset(CONSOLE_CSS, 'text/css; charset=utf-8'))
  .get('/assets/console.js', asset(CONSOLE_JS, 'text/javascript; charset=utf-8'))
  .use('*', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const limit = c.req.path.startsWith(`${CONSOLE_PATH}/import/`) ? MAX_IMPORT_BYTES : MAX_FORM_BYTES;
    return bodyLimit({ maxSize: limit, onError: tooLarge })(c, next);
  })

  .get('/sign-in', (c) => {
    if (servicesFor(c.env).consoleAccess) return seeOther(`${CONSOLE_PATH}/clients`);
    return page(c, <SignInPage ended={c.req.query('ended') !== undefined} signedOut={c.req.query('signed-out') !== undefined} />);
  })
  .post('/sign-in', async (c) => {
    if (servicesFor(c.env).consoleAccess) return seeOther(`${CONSOLE_PATH}/clients`);
    // Before a session there is no CSRF token to check: a sign-in posted from another site is refused by its Origin.
    const origin = c.req.header('Origin');
    if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new OAuthError('access_denied', 'a sign-in from another site is refused');
    const form = await readConsoleForm(c);
    const clientId = form.text('client_id') ?? '';
    try {
      await signIn(c, clientId, form.text('client_secret') ?? '');
    } catch (error) {
      if (!(error instanceof SignInFailed)) throw error;
      return page(c, <SignInPage error={error.message} clientId={clientId} />, error.status);
    }
    return seeOther(`${CONSOLE_PATH}/clients`, { 'Set-Cookie': c.res.headers.get('Set-Cookie') ?? '' });
  })

  .use('*', requireConsoleViewer(), requireCsrfToken())
  .get('/', () => seeOther(`${CONSOLE_PATH}/clients`))
  .post('/sign-out', (c) => {
    endSession(c);
    log('info', 'console_signed_out', { client_id: c.get('by') });
    return seeOther(`${CONSOLE_PATH}/sign-in?signed-out=1`, { 'Set-Cookie': c.res.headers.get('Set-Cookie') ?? '' });
  })
  .route('/', consoleClientRoutes)
  .route('/', consoleKeyRoutes)
  .route('/', consoleCatalogRoutes)
  .route('/', consoleEvaluateRoutes)
  .route('/', consoleImportRoutes)
  .all('*', () => {
    throw new OAuthError('not_found', 'there is no such page in the console');
  });

consoleRoutes.onError(renderConsoleError);

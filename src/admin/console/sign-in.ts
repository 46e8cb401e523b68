import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { log } from '../../core/log';
import type { AppEnv } from '../../env';
import { constantTimeEqual } from '../../core/secrets';
import { OAuthError } from '../../errors';
import { renderError } from '../../http/errors';
import { callerAddress } from '../../oauth/client-auth/rate-limit';
import { TOKEN_PATH } from '../../oauth/paths';
import { tokenRoutes } from '../../oauth/token';
import { servicesFor } from '../../services';
import { acceptAdminToken } from '../require-admin';
import { ADMIN_SCOPE } from '../names';
import { ACCESS_JWT_HEADER, AccessRefused } from './access';
import type { Viewer } from './layout';
import { CONSOLE_PATH } from './paths';
import { seeOther } from './respond';

const encoder = new TextEncoder();

/** What the console's handlers know of the signed-in admin. */
export interface ConsoleVariables {
  viewer: Viewer;
  /** Who makes a change, for the admin operations' log lines: a client id or `access:<e-mail>`. */
  by: string;
}

export type ConsoleEnv = AppEnv & { Variables: ConsoleVariables };

/** Loopback hosts: the one place a session cookie goes without `Secure` (a local run is plain http). */
function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

/**
 * The session cookie's name. Off loopback it has the `__Host-` prefix (RFC 6265bis §4.1.3.2): the
 * browser then keeps it only if it is `Secure`, for this host alone, with `Path=/`.
 */
function cookieName(url: URL): string {
  return isLoopback(url) ? 'gatehouse-console' : '__Host-gatehouse-console';
}

function cookieOptions(url: URL, maxAge: number) {
  return { path: '/', httpOnly: true, secure: !isLoopback(url), sameSite: 'Strict' as const, maxAge };
}

/** Clears the session cookie on `c`'s response. */
export function endSession(c: Context): void {
  const url = new URL(c.req.url);
  deleteCookie(c, cookieName(url), { path: '/', secure: !isLoopback(url) });
}

// The token endpoint itself, with the app's error rendering: the sign-in form's credentials go
// through exactly the checks (and failure limits) of any other token request.
const tokenEndpoint = new Hono<AppEnv>().route('/', tokenRoutes);
tokenEndpoint.onError(renderError);

/** Why a sign-in failed, in words for the page; the log has the details. */
export class SignInFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Exchanges an admin client's id and secret for an access token with the admin scope, on the
 * server side (RFC 6749 §4.4, client_secret_post), and starts a session holding it: a sealed,
 * `HttpOnly`, `SameSite=Strict` cookie that ends with the session lifetime or the token, whichever
 * is first. The token and the secret never reach the browser or a URL.
 */
export async function signIn(c: Context<ConsoleEnv>, clientId: string, clientSecret: string): Promise<void> {
  const url = new URL(c.req.url);
  const request = new Request(new URL(TOKEN_PATH, url), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      // The failure limits count per caller address: the browser's, not the Worker's.
      'CF-Connecting-IP': callerAddress(c.req.raw),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: ADMIN_SCOPE, client_id: clientId, client_secret: clientSecret }),
  });
  const response = await tokenEndpoint.fetch(request, c.env);
  const body = (await response.json()) as { access_token?: string; expires_in?: number; error?: string };
  if (response.status !== 200 || !body.access_token) {
    log('warn', 'console_sign_in_failed', { client_id: clientId.slice(0, 100), error: body.error, ip: callerAddress(c.req.raw) });
    if (response.status === 429) throw new SignInFailed('Too many failed sign-ins from here. Wait a few minutes, then try again.', 429);
    if (body.error === 'invalid_scope') throw new SignInFailed(`This client may not use the admin API: it is not allowed the ${ADMIN_SCOPE} scope.`, 403);
    throw new SignInFailed('Sign-in failed: the client id or the secret is wrong, or the client is disabled.', 401);
  }
  const { consoleSessions, config } = servicesFor(c.env);
  const now = Math.floor(Date.now() / 1000);
  const exp = Math.min(now + config.console.sessionSeconds, now + (body.expires_in ?? 0));
  const sealed = await consoleSessions.seal({ sid: consoleSessions.newSessionId(), clientId, token: body.access_token, exp });
  setCookie(c, cookieName(url), sealed, cookieOptions(url, exp - now));
  log('info', 'console_signed_in', { client_id: clientId, ip: callerAddress(c.req.raw) });
}

function signInPage(why?: 'ended'): string {
  return `${CONSOLE_PATH}/sign-in${why ? `?${why}=1` : ''}`;
}

/**
 * Who is signed in. Behind Cloudflare Access (when ACCESS_TEAM_DOMAIN is set) the Access token
 * of each request, and nothing else; otherwise the session cookie, whose admin token is accepted
 * by the one verifier on every request, so a disabled or deleted admin client, a revoked token or
 * a removed admin scope ends the session at once. Without a session: to the sign-in page.
 */
export function requireConsoleViewer(): MiddlewareHandler<ConsoleEnv> {
  return async function consoleViewer(c, next) {
    const { consoleAccess, consoleSessions } = servicesFor(c.env);
    const now = Math.floor(Date.now() / 1000);
    if (consoleAccess) {
      let identity;
      try {
        identity = await consoleAccess.verify(c.req.header(ACCESS_JWT_HEADER), now);
      } catch (error) {
        if (!(error instanceof AccessRefused)) throw error;
        log('warn', 'console_access_refused', { reason: error.message, ip: callerAddress(c.req.raw) });
        throw new OAuthError('access_denied', 'Cloudflare Access did not vouch for an identity allowed to use this console');
      }
      c.set('viewer', { name: identity.email, csrf: await consoleSessions.csrfToken(identity.binding), session: false });
      c.set('by', `access:${identity.email}`);
      return next();
    }

    const url = new URL(c.req.url);
    const cookie = getCookie(c, cookieName(url));
    const session = cookie ? await consoleSessions.open(cookie, now) : undefined;
    if (!session) {
      if (cookie) endSession(c);
      return seeOther(signInPage(cookie ? 'ended' : undefined), cookie ? { 'Set-Cookie': c.res.headers.get('Set-Cookie') ?? '' } : {});
    }
    try {
      await acceptAdminToken(c.env, session.token, c.req.raw);
    } catch (error) {
      if (!(error instanceof OAuthError) || error.status >= 500) throw error;
      endSession(c);
      return seeOther(signInPage('ended'), { 'Set-Cookie': c.res.headers.get('Set-Cookie') ?? '' });
    }
    c.set('viewer', { name: session.clientId, csrf: await consoleSessions.csrfToken(`session ${session.sid}`), session: true });
    c.set('by', session.clientId);
    return next();
  };
}

/**
 * Refuses a form post that does not carry the viewer's CSRF token in `_csrf` (compared in constant
 * time), or that another origin sent (the `Origin` header, RFC 6454 §7, where the browser gives it).
 */
export function requireCsrfToken(): MiddlewareHandler<ConsoleEnv> {
  return async function csrfToken(c, next) {
    if (c.req.method !== 'POST') return next();
    const origin = c.req.header('Origin');
    const form = await c.req.parseBody();
    const presented = typeof form._csrf === 'string' ? form._csrf : undefined;
    const viewer = c.get('viewer');
    const sameOrigin = origin === undefined || origin === new URL(c.req.url).origin;
    if (!sameOrigin || !presented || !constantTimeEqual(encoder.encode(viewer.csrf), encoder.encode(presented))) {
      log('warn', 'console_csrf_refused', { path: c.req.path, by: c.get('by'), reason: sameOrigin ? (presented ? 'wrong token' : 'no token') : 'cross-origin' });
      throw new OAuthError('access_denied', 'the form was refused: it did not carry this page\'s security token; reload the page and try again');
    }
    return next();
  };
}

import type { MiddlewareHandler } from 'hono';

/**
 * The console's Content-Security-Policy: scripts and styles from this origin only, no inline
 * script or style, no framing (clickjacking), forms posting to this origin only.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers on every console response: its pages show client records and one-time secrets, so nothing is cached. */
export const CONSOLE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // `same-origin`, not `no-referrer`: with no-referrer the browser sends `Origin: null` on form posts, and the origin check needs it.
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  'Cache-Control': 'no-store',
};

/** Sets {@link CONSOLE_HEADERS} on every response of the console, errors and redirects included. */
export function consoleSecurityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) c.res.headers.set(name, value);
  };
}

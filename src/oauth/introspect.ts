import { Hono } from 'hono';
import type { JWTPayload } from 'jose';
import { TokenRejected } from '../core/verify-token';
import type { AppEnv } from '../env';
import { NO_STORE_HEADERS, OAuthError } from '../errors';
import { readForm } from '../http/form';
import { servicesFor, type Services } from '../services';
import { SELF_ISSUER } from '../settings';
import { authenticateResourceOrClient, type Caller } from './client-auth/resource-or-client';
import { issuerFor } from './issuer';
import { INTROSPECTION_PATH } from './paths';

function audiences(payload: JWTPayload): string[] {
  if (typeof payload.aud === 'string') return [payload.aud];
  return Array.isArray(payload.aud) ? payload.aud : [];
}

/**
 * The claims of `token` when it is active for `caller`, else `null`. Active means accepted by the
 * one verifier (this server's key and issuer, `typ: at+jwt`, inside `nbf`..`exp` without leeway,
 * not revoked, its client still enabled), and visible to the caller: an API
 * resource sees only tokens whose `aud` names it (IdentityServer's rule), a client only tokens
 * issued to itself. Every other outcome looks the same to the caller.
 */
async function activeClaims(token: string, caller: Caller, services: Services, issuer: string): Promise<JWTPayload | null> {
  let accepted;
  try {
    accepted = await services.verifier.verify(token, issuer, {
      issuers: [SELF_ISSUER],
      // The server's own answer on its own tokens, on its own clock: active until `exp` (RFC 7662 §2.2).
      clockSkewSeconds: 0,
      types: ['at+jwt'],
    });
  } catch (error) {
    if (error instanceof TokenRejected) return null;
    throw error;
  }
  const { payload } = accepted;
  const visible = caller.kind === 'resource' ? audiences(payload).includes(caller.name) : accepted.clientId === caller.clientId;
  if (!visible) return null;
  // RFC 7662 §2.2: `scope` is a space-separated string; it lists what the token still grants.
  return { ...payload, scope: accepted.scopes.join(' ') };
}

/**
 * POST /connect/introspect (RFC 7662). The caller authenticates as an API resource or a client
 * (§2.1); the answer is `{ active: true, ...claims }` or `{ active: false }` (§2.2), never a reason.
 */
export const introspectionRoutes = new Hono<AppEnv>().post(INTROSPECTION_PATH, async (c) => {
  const services = servicesFor(c.env);
  const form = await readForm(c.req.raw);
  const caller = await authenticateResourceOrClient(c.req.raw, form, c.env, services);
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'token is required');
  // token_type_hint is only a hint (§2.1); access tokens are the only kind Gatehouse issues.
  const claims = await activeClaims(token, caller, services, issuerFor(services.config, c.req.url));
  return c.json(claims ? { ...claims, active: true } : { active: false }, 200, NO_STORE_HEADERS);
});

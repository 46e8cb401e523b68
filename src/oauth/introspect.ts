import { Hono } from 'hono';
import type { JWTPayload } from 'jose';
import { getConfig, type Config } from '../config';
import { getKeyRing } from '../core/key-ring';
import { isRevoked } from '../core/revocation';
import { TokenRejected, verifyLocalToken } from '../core/verify-token';
import type { AppEnv, Bindings } from '../env';
import { NO_STORE_HEADERS, OAuthError } from '../errors';
import { readForm } from '../http/form';
import { authenticateResourceOrClient, type Caller } from './client-auth/resource-or-client';
import { issuerFor } from './issuer';

export const INTROSPECTION_PATH = '/connect/introspect';

function audiences(payload: JWTPayload): string[] {
  if (typeof payload.aud === 'string') return [payload.aud];
  return Array.isArray(payload.aud) ? payload.aud : [];
}

/**
 * The claims of `token` when it is active for `caller`, else `null`. Active means signed by a key
 * in this server's ring, with this issuer, `typ: at+jwt`, inside `nbf`..`exp`, not revoked, and
 * visible to the caller: an API resource sees only tokens whose `aud` names it (IdentityServer's
 * rule), a client only tokens issued to itself. Every other outcome looks the same to the caller.
 */
async function activeClaims(token: string, caller: Caller, env: Bindings, config: Config, issuer: string): Promise<JWTPayload | null> {
  const ring = await getKeyRing(env.GATEHOUSE, config);
  let payload: JWTPayload;
  try {
    ({ payload } = await verifyLocalToken(token, ring, { issuer, clockSkewSeconds: 0 }));
  } catch (error) {
    if (error instanceof TokenRejected) return null;
    throw error;
  }
  const visible = caller.kind === 'resource' ? audiences(payload).includes(caller.name) : payload.client_id === caller.clientId;
  if (!visible) return null;
  if (await isRevoked(env.GATEHOUSE, config, payload.jti!)) return null;
  // RFC 7662 §2.2: `scope` is a space-separated string, whichever shape the token carries.
  if (Array.isArray(payload.scope)) return { ...payload, scope: payload.scope.join(' ') };
  return payload;
}

/**
 * POST /connect/introspect (RFC 7662). The caller authenticates as an API resource or a client
 * (§2.1); the answer is `{ active: true, ...claims }` or `{ active: false }` (§2.2), never a reason.
 */
export const introspectionRoutes = new Hono<AppEnv>().post(INTROSPECTION_PATH, async (c) => {
  const config = getConfig(c.env);
  const form = await readForm(c.req.raw);
  const caller = await authenticateResourceOrClient(c.req.raw, form, c.env, config);
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'token is required');
  // token_type_hint is only a hint (§2.1); access tokens are the only kind Gatehouse issues.
  const claims = await activeClaims(token, caller, c.env, config, issuerFor(config, c.req.url));
  return c.json(claims ? { ...claims, active: true } : { active: false }, 200, NO_STORE_HEADERS);
});

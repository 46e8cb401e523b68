import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { servicesFor } from '../services';
import { NO_STORE_HEADERS, OAuthError } from '../errors';
import { echoed, readFormParameters } from '../http/form';
import { authenticateClient } from './client-auth';
import { certificateBinding } from './certificate-binding';
import { dpopBinding } from './dpop';
import { GRANTS } from './grants';
import { issuerFor } from './issuer';
import { TOKEN_PATH } from './paths';

/** POST /connect/token (RFC 6749 §3.2, §4.4). The endpoint never branches on a grant's name. */
export const tokenRoutes = new Hono<AppEnv>().post(TOKEN_PATH, async (c) => {
  const services = servicesFor(c.env);
  const { config } = services;
  // RFC 8707 §2: `resource` may be given more than once; every other parameter only once (RFC 6749 §3.2).
  const { single: form, repeated } = await readFormParameters(c.req.raw, ['resource']);

  const grantType = form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  const grant = GRANTS.get(grantType);
  if (!grant) throw new OAuthError('unsupported_grant_type', `grant_type${echoed(grantType)} is not supported`);

  const { client } = await authenticateClient(c.req.raw, form, c.env, services);
  if (!client.allowedGrantTypes.includes(grant.grantType)) {
    throw new OAuthError('unauthorized_client', `this client may not use grant_type "${grant.grantType}"`);
  }

  const now = Math.floor(Date.now() / 1000);
  // The certificate first: it has no side effect, while a DPoP proof's jti is used up once checked.
  const certificate = await certificateBinding(c.req.raw, client);
  const dpop = await dpopBinding(c.req.raw, client, services, now);
  const confirmation = dpop.confirmation || certificate ? { ...dpop.confirmation, ...certificate } : undefined;
  const body = await grant.handle({
    env: c.env,
    config,
    services,
    form,
    resources: repeated.get('resource') ?? [],
    client,
    issuer: issuerFor(config, c.req.url),
    now,
    confirmation,
  });
  return c.json(body, 200, { ...NO_STORE_HEADERS, ...dpop.headers });
});

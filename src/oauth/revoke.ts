import { Hono } from 'hono';
import { acceptanceLeewaySeconds } from '../config';
import type { AcceptedToken } from '../core/access-token-verifier';
import { log } from '../core/log';
import { TokenRejected } from '../core/verify-token';
import type { AppEnv } from '../env';
import { NO_STORE_HEADERS, OAuthError } from '../errors';
import { readForm } from '../http/form';
import { servicesFor } from '../services';
import { SELF_ISSUER } from '../settings';
import { authenticateClient } from './client-auth';
import { issuerFor } from './issuer';
import { REVOCATION_PATH } from './paths';

/**
 * POST /connect/revocation (RFC 7009). The client authenticates as at the token endpoint (§2.1);
 * an access token issued to it is denied (the `revocations` document) until it would have expired, plus the
 * leeway validators (this Gatehouse's gateway included) allow on `exp`. The answer is 200 with
 * an empty body whether or not there was anything to revoke (§2.2): an invalid, expired or
 * unknown token needs no revocation, and another client's token is left alone, as IdentityServer
 * does, without saying so.
 *
 * `token_type_hint` is only a hint (§2.1: the server extends its search to every type it
 * supports), so `refresh_token` or an unknown hint is not `unsupported_token_type` (§2.2.1):
 * Gatehouse issues only access tokens, and revokes them whatever the hint says.
 */
export const revocationRoutes = new Hono<AppEnv>().post(REVOCATION_PATH, async (c) => {
  const services = servicesFor(c.env);
  const { config } = services;
  const form = await readForm(c.req.raw);
  const { client } = await authenticateClient(c.req.raw, form, c.env, services, 'revocation');
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'token is required');

  const leeway = acceptanceLeewaySeconds(config.gateway);
  let accepted: AcceptedToken | undefined;
  try {
    // With the validators' leeway: a token a validator would still accept is still worth revoking.
    accepted = await services.verifier.verify(token, issuerFor(config, c.req.url), { issuers: [SELF_ISSUER], clockSkewSeconds: leeway, types: ['at+jwt'] });
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error;
  }
  if (accepted) {
    const { jti, exp } = accepted.payload;
    if (accepted.clientId === client.clientId) {
      await services.revocations.revoke(jti!, exp! + leeway);
      log('info', 'token_revoked', { client_id: client.clientId, jti });
    } else {
      log('warn', 'token_revocation_refused', { client_id: client.clientId, jti, reason: 'the token was issued to another client' });
    }
  }
  return c.body(null, 200, NO_STORE_HEADERS);
});

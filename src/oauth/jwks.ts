import { Hono } from 'hono';
import { JWKS_MAX_AGE_SECONDS } from '../settings';
import { publicJwks } from '../core/key-ring';
import type { AppEnv } from '../env';
import { JWKS_PATH } from './paths';
import { servicesFor } from '../services';

/**
 * Public signing keys (RFC 7517): every key in the ring, including the next one before it signs
 * and the previous one until its tokens have expired. Cacheable for five minutes; KEY_PROPAGATION
 * is validated to exceed that (src/config.ts).
 */
export const jwksRoutes = new Hono<AppEnv>().get(JWKS_PATH, async (c) => {
  const ring = await servicesFor(c.env).keyRing.get();
  return c.json(publicJwks(ring), 200, {
    'Content-Type': 'application/jwk-set+json',
    'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
  });
});

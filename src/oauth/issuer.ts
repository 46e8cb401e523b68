import type { Config } from '../config';

/** The issuer for a request: the configured ISSUER, else the request's own origin (IdentityServer's default). */
export function issuerFor(config: Config, requestUrl: string | URL): string {
  return config.issuer ?? (typeof requestUrl === 'string' ? new URL(requestUrl) : requestUrl).origin;
}

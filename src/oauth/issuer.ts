import type { Config } from '../config';

/** The issuer for a request: the configured ISSUER, else the request's own origin (IdentityServer's default). */
export function issuerFor(config: Config, requestUrl: string): string {
  return config.issuer ?? new URL(requestUrl).origin;
}

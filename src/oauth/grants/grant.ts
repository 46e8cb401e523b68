import type { Config } from '../../config';
import type { Confirmation } from '../../core/tokens';
import type { ClientRecord } from '../../core/records';
import type { Bindings } from '../../env';
import type { Services } from '../../services';

/** What a grant handler is given once the client is authenticated. */
export interface GrantContext {
  env: Bindings;
  config: Config;
  services: Services;
  form: ReadonlyMap<string, string>;
  /** The request's `resource` values (RFC 8707 §2), in the order given; empty when there are none. */
  resources: readonly string[];
  client: ClientRecord;
  issuer: string;
  /** Epoch seconds. */
  now: number;
  /** What the token is to be bound to: a DPoP key (RFC 9449 §5), a client certificate (RFC 8705 §3); absent for a bearer token. */
  confirmation?: Confirmation;
}

/** The successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` when the token is bound to the request's DPoP key (RFC 9449 §5); a certificate-bound token stays `Bearer` (RFC 8705 §3). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
}

/** A grant type: its name, the parameters it reads, and its handler (node-oidc-provider's shape). */
export interface Grant {
  readonly grantType: string;
  readonly parameters: readonly string[];
  handle(ctx: GrantContext): Promise<TokenResponse>;
}

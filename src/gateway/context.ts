import type { Confirmation } from '../core/tokens';
import type { Bindings } from '../env';
import type { RouteMatch } from './route-table';

/** Who the gateway has established the caller to be, from a verified access token. */
export interface Caller {
  /** `iss` of the access token. */
  issuer: string;
  clientId: string;
  /** `sub` of the access token, else the client id (IdentityServer omits `sub` for clients). */
  subject: string;
  scopes: string[];
  /** `jti` of the access token; tokens of other issuers may lack one. */
  jti: string | undefined;
  /** The access token's binding, checked against the request (`cnf`: DPoP `jkt`, certificate `x5t#S256`); absent for a bearer token. */
  confirmation?: Confirmation;
}

/** Hono environment of the gateway's middleware chain. */
export interface GatewayEnv {
  Bindings: Bindings;
  Variables: {
    /** Set by `matchRoute`, like the two below. */
    match: RouteMatch;
    /** The request URL, parsed once. */
    url: URL;
    /** The normalised request path. */
    path: string;
    /** Set by `verifyToken`; absent on public routes. */
    caller: Caller | undefined;
  };
}

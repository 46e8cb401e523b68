import { SignJWT } from 'jose';
import type { ScopeClaimFormat } from '../settings';
import { randomId } from './encoding';
import type { Signer } from './key-ring';
import type { ClientRecord } from './records';

export interface MintRequest {
  issuer: string;
  client: ClientRecord;
  scopes: string[];
  audiences: string[];
  scopeFormat: ScopeClaimFormat;
  signer: Signer;
  /** Epoch seconds. */
  now: number;
  /** What the token is bound to: its `cnf` claim (RFC 7800 §3.1). */
  confirmation?: Confirmation;
}

/**
 * The `cnf` of a sender-constrained token: the DPoP key's thumbprint (RFC 9449 §6.1 `jkt`), the
 * client certificate's (RFC 8705 §3.1 `x5t#S256`), or both.
 */
export interface Confirmation {
  jkt?: string;
  'x5t#S256'?: string;
}

export interface MintedToken {
  token: string;
  jti: string;
  expiresIn: number;
}

/** The claims and header of an access token, before it is signed; `jti` is the token's id. */
export interface AccessTokenContent {
  header: { alg: string; kid: string; typ: 'at+jwt' };
  payload: Record<string, unknown>;
}

/**
 * What an access token in the RFC 9068 profile carries: header `typ: at+jwt` with `alg` and `kid`;
 * claims `iss`, `sub` and `client_id` (the client, §2.2 for a client acting for itself), `aud`,
 * `scope`, `iat`, `nbf`, `exp`, `jti`, `cnf` when the token is bound to a DPoP key, and the client's
 * own claims under its prefix. The admin console's Evaluate shows exactly this, unsigned.
 */
export function accessTokenContent(req: Omit<MintRequest, 'signer'> & { signer: Pick<Signer, 'alg' | 'kid'> }, jti: string): AccessTokenContent {
  const { client, now } = req;
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(client.claims)) claims[client.claimsPrefix + name] = value;
  return {
    header: { alg: req.signer.alg, kid: req.signer.kid, typ: 'at+jwt' },
    payload: {
      ...claims,
      client_id: client.clientId,
      scope: req.scopeFormat === 'array' ? req.scopes : req.scopes.join(' '),
      ...(req.confirmation ? { cnf: req.confirmation } : {}),
      iss: req.issuer,
      sub: client.clientId,
      // A single audience is a string, as IdentityServer and most validators emit it (RFC 7519 §4.1.3).
      aud: req.audiences.length === 1 ? req.audiences[0]! : req.audiences,
      // After an operator revoked every token of the client, tokens issued before its tokensNotBefore
      // are refused, the rest of that second included; one issued in that second is dated from
      // tokensNotBefore (at most a second ahead), while it is valid from now.
      iat: Math.max(now, client.tokensNotBefore ?? 0),
      nbf: now,
      exp: now + client.accessTokenLifetime,
      jti,
    },
  };
}

/** Signs the access token of {@link accessTokenContent}, with a random `jti`. */
export async function mintAccessToken(req: MintRequest): Promise<MintedToken> {
  const jti = randomId(16);
  const { header, payload } = accessTokenContent(req, jti);
  const token = await new SignJWT(payload).setProtectedHeader(header).sign(req.signer.key);
  return { token, jti, expiresIn: req.client.accessTokenLifetime };
}

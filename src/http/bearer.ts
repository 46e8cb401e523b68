import { OAuthError, quoteAuthParam } from '../errors';

/** An RFC 6750 §3 challenge: `Bearer realm="…"`, then the error parameters, every value quoted. */
export function bearerChallenge(realm: string, params: Record<string, string> = {}): string {
  const parts = [`realm=${quoteAuthParam(realm)}`];
  for (const [name, value] of Object.entries(params)) parts.push(`${name}=${quoteAuthParam(value)}`);
  return `Bearer ${parts.join(', ')}`;
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** What a protected API tells a caller whose Authorization header is missing or malformed. */
export interface BearerDescriptions {
  missing: string;
  malformed: string;
}

/** The gateway's descriptions, the default. */
export const GATEWAY_DESCRIPTIONS: BearerDescriptions = {
  missing: 'a bearer access token is required',
  malformed: 'the Authorization header is not a valid Bearer credential',
};

/**
 * The bearer token of the Authorization header (RFC 6750 §2.1). No header, or another scheme, is a
 * 401 with a bare challenge (§3.1: no error code when no credentials were sent); a malformed
 * Bearer header is a 400 `invalid_request`. `challengeParams` end both challenges, as every other
 * challenge of the API (the gateway's `resource_metadata`, RFC 9728 §5.1).
 */
export function bearerToken(
  authorization: string | undefined,
  realm: string,
  descriptions = GATEWAY_DESCRIPTIONS,
  challengeParams: Record<string, string> = {},
): string {
  if (authorization === undefined || !/^bearer(\s|$)/i.test(authorization)) {
    throw new OAuthError('invalid_token', descriptions.missing, {
      headers: { 'WWW-Authenticate': bearerChallenge(realm, challengeParams) },
    });
  }
  const match = BEARER.exec(authorization);
  if (!match) {
    const description = descriptions.malformed;
    throw new OAuthError('invalid_request', description, {
      headers: {
        'WWW-Authenticate': bearerChallenge(realm, { error: 'invalid_request', error_description: description, ...challengeParams }),
      },
    });
  }
  return match[1]!;
}

/**
 * The one error model of Gatehouse. Every failure that reaches a caller is an {@link OAuthError}
 * and is rendered by {@link toResponse}, so every endpoint answers errors the same way:
 * a JSON body `{ error, error_description }` with `Cache-Control: no-store` (RFC 6749 §5.2).
 */

/** Error codes of RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8707 §2 and RFC 9449 §5, §8, plus plain HTTP conditions. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'bad_gateway'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'unsupported_media_type'
  | 'too_many_requests';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  unsupported_token_type: 400,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  bad_gateway: 502,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  unsupported_media_type: 415,
  too_many_requests: 429,
};

export interface OAuthErrorOptions {
  /** HTTP status; defaults to the usual one for the code. */
  status?: number;
  /** Extra response headers, such as `WWW-Authenticate`, `Allow` or `Retry-After`. */
  headers?: Record<string, string>;
  /** Detail for the log line only; never sent to the caller. */
  logDetail?: string;
}

/** A failure with a stable OAuth error `code`, a short wire description and its HTTP status. */
export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly logDetail: string | undefined;

  constructor(code: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(description);
    this.name = 'OAuthError';
    this.code = code;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.headers = options.headers ?? {};
    this.logDetail = options.logDetail;
  }
}

/** Headers every error and every token response carries (RFC 6749 §5.1, §5.2). */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/** Renders an error as the JSON response every endpoint uses. */
export function toResponse(error: OAuthError): Response {
  return new Response(JSON.stringify({ error: error.code, error_description: error.message }), {
    status: error.status,
    headers: { 'Content-Type': 'application/json', ...NO_STORE_HEADERS, ...error.headers },
  });
}

/**
 * Quotes a value for an HTTP auth-param (RFC 7235 §2.1, RFC 6750 §3): backslash and double quote
 * are escaped, control characters dropped, so a challenge can never be broken out of.
 */
export function quoteAuthParam(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/[\x00-\x1f\x7f]/g, '').replace(/["\\]/g, '\\$&')}"`;
}

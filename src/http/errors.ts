import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ConfigError } from '../config-error';
import { log } from '../core/log';
import { OAuthError, toResponse } from '../errors';

/** The app's one error handler: every failure becomes an {@link OAuthError} response. */
export function renderError(error: Error, c: Context): Response {
  if (error instanceof OAuthError) {
    if (error.status >= 500 && error.logDetail) log('error', 'request_rejected', { path: c.req.path, code: error.code, detail: error.logDetail });
    return toResponse(error);
  }
  if (error instanceof ConfigError) {
    log('error', 'config_invalid', { setting: error.setting, problem: error.message });
    // The value may be a secret or an internal address: the caller learns which setting, the log what is wrong.
    return toResponse(new OAuthError('server_error', `Gatehouse is misconfigured: the setting ${error.setting} is invalid`));
  }
  if (error instanceof HTTPException && error.status < 500) {
    return toResponse(new OAuthError('invalid_request', error.message || 'the request is malformed', { status: error.status }));
  }
  // Only the error's name and message: a stack or a cause may hold request data.
  log('error', 'unhandled_error', { path: c.req.path, name: error.name, message: error.message });
  return toResponse(new OAuthError('server_error', 'an unexpected error occurred'));
}

/** Answers a known path called with a method it does not serve (RFC 9110 §15.5.6). */
export function methodNotAllowed(allow: string): () => never {
  return () => {
    throw new OAuthError('method_not_allowed', `this endpoint accepts ${allow} only`, { headers: { Allow: allow } });
  };
}

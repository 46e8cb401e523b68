import { OAuthError } from '../../errors';
import type { ClientAuthMethod } from './credentials';

/** `client_secret_post`: `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1). */
export const secretPost: ClientAuthMethod = {
  name: 'client_secret_post',
  challenges: false,
  present(_request, form) {
    return form.has('client_secret');
  },
  credentials(_request, form) {
    const clientId = form.get('client_id');
    if (!clientId) throw new OAuthError('invalid_request', 'client_id is required with client_secret');
    return { clientId, secret: form.get('client_secret')! };
  },
};

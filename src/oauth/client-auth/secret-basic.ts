import { OAuthError } from '../../errors';
import type { ClientAuthMethod } from './credentials';

/** The challenge sent when Basic authentication fails (RFC 7617 §2). */
export const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

function formDecode(part: string): string {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
  return decodeURIComponent(part.replace(/\+/g, '%20'));
}

function malformed(): OAuthError {
  return new OAuthError('invalid_request', 'the Basic authorization header is malformed');
}

/** `client_secret_basic`: HTTP Basic with the form-urlencoded client id and secret. */
export const secretBasic: ClientAuthMethod = {
  name: 'client_secret_basic',
  challenges: true,
  present(request) {
    return /^basic(\s|$)/i.test(request.headers.get('Authorization') ?? '');
  },
  credentials(request) {
    const value = (request.headers.get('Authorization') ?? '').slice(5).trim();
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      throw malformed();
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) throw malformed();
    let clientId: string;
    let secret: string;
    try {
      // atob yields one char per byte; the id and secret are UTF-8 once percent-decoded, so they
      // are ASCII here in any conforming request.
      if (/[^\x20-\x7e]/.test(decoded)) throw new Error('not form-urlencoded');
      clientId = formDecode(decoded.slice(0, colon));
      secret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw malformed();
    }
    if (!clientId || !secret) throw malformed();
    return { clientId, secret };
  },
};

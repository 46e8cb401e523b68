import { errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { log } from '../../core/log';
import { RemoteKeySet, type RemoteIssuerOptions } from '../../core/remote-issuer';
import type { AccessSettings } from './console-config';

/** The header Cloudflare Access puts on every request it lets through to the origin. */
export const ACCESS_JWT_HEADER = 'Cf-Access-Jwt-Assertion';

/** An Access token that {@link AccessVerifier} accepted: who is signed in. */
export interface AccessIdentity {
  email: string;
  /** Binds the console's CSRF tokens to this sign-in. */
  binding: string;
}

/** Why an Access token was not accepted; `reason` is for the log, never for the page. */
export class AccessRefused extends Error {
  override readonly name = 'AccessRefused';
}

/** The Access team's certificate set, fetched and cached under the rules of every remote key set. */
class AccessCerts extends RemoteKeySet {
  constructor(
    private readonly url: string,
    options: RemoteIssuerOptions,
  ) {
    super(options);
  }

  protected override async load(): Promise<JSONWebKeySet> {
    return this.keySet(await this.getJson(this.url));
  }

  protected override unavailable(why: string): Error {
    return new AccessRefused(`the Access certificates cannot be fetched (${why}${this.lastFailure ? `: ${this.lastFailure}` : ''})`);
  }

  protected override fetchFailed(reason: string): void {
    super.fetchFailed(reason);
    log('warn', 'console_access_refused', { reason: `certificates unavailable: ${reason}` });
  }
}

/**
 * Verifies the `Cf-Access-Jwt-Assertion` of Cloudflare Access
 * (developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/): an
 * RS256 JWT signed by one of the team's certificates, issued by the team domain, for the console's
 * Access application (`aud`), unexpired, and naming an e-mail address or a group the settings let in.
 * Access in front is not enough by itself: a request that bypasses it (the workers.dev address)
 * has no valid token and is refused.
 */
export class AccessVerifier {
  private readonly certs: AccessCerts;

  constructor(
    private readonly settings: AccessSettings,
    options: RemoteIssuerOptions,
  ) {
    this.certs = new AccessCerts(settings.certsUrl, options);
  }

  /** The identity in `token`; throws {@link AccessRefused} saying why not. */
  async verify(token: string | undefined, now: number): Promise<AccessIdentity> {
    if (!token) throw new AccessRefused(`no ${ACCESS_JWT_HEADER} header`);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.certs.keyFor, {
        issuer: this.settings.teamOrigin,
        audience: this.settings.audience,
        algorithms: ['RS256'],
        currentDate: new Date(now * 1000),
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof AccessRefused) throw error;
      if (error instanceof errors.JOSEError) throw new AccessRefused(`the Access token is not valid: ${error.code}`);
      throw error;
    }
    const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : '';
    const groups = Array.isArray(payload.groups) ? payload.groups.filter((g): g is string => typeof g === 'string') : [];
    const allowed = (email !== '' && this.settings.emails.includes(email)) || groups.some((g) => this.settings.groups.includes(g));
    if (!allowed) throw new AccessRefused(`${email || payload.sub || 'the identity'} is not among ACCESS_ALLOWED_EMAILS or ACCESS_ALLOWED_GROUPS`);
    return { email: email || String(payload.sub), binding: `access ${payload.sub ?? email} ${payload.iat}` };
  }
}

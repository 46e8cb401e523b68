import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/config-error';

const base = { GATEHOUSE: {} as KVNamespace };

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(base)).toEqual({
      issuer: undefined,
      signingAlg: 'RS256',
      scopeClaimFormat: 'string',
      storeCacheMs: 30_000,
      keyEncryptionKey: undefined,
      gateway: {
        routes: expect.objectContaining({ size: 0 }),
        clockSkewSeconds: 60,
        tokenTypes: ['at+jwt'],
        jwksRefreshMs: 60_000,
        jwksMaxAgeMs: 3_600_000,
        jwksStaleMs: 86_400_000,
        fetchTimeoutMs: 3000,
        assertionLifetimeSeconds: 60,
        originTimeoutMs: 30_000,
        tokenCacheSize: 1000,
      },
      keyRotation: { interval: 90 * 86400, propagation: 14 * 86400, retention: 31 * 86400, alg: 'RS256' },
      authFailures: { perClientIp: 10, perIp: 50, windowSeconds: 300 },
      clientAssertionMaxLifetimeSeconds: 300,
      logLevel: 'info',
      dpopNonces: false,
      mtlsEndpointOrigin: undefined,
      console: { sessionSeconds: 900, access: undefined },
    });
  });

  it('reads every setting', () => {
    expect(
      loadConfig({
        ...base,
        ISSUER: 'https://auth.example.com/',
        TOKEN_SIGNING_ALG: 'EdDSA',
        SCOPE_CLAIM_FORMAT: 'array',
        STORE_CACHE_SECONDS: '0',
        KEY_ENCRYPTION_KEY: 'k',
        KEY_ROTATION_INTERVAL: '30d',
        KEY_PROPAGATION: '36h',
        KEY_RETENTION: '2592301',
        AUTH_FAILURE_LIMIT: '3',
        AUTH_FAILURE_LIMIT_PER_IP: '20',
        AUTH_FAILURE_WINDOW: '15m',
        LOG_LEVEL: 'warn',
        CLIENT_ASSERTION_MAX_LIFETIME_SECONDS: '60',
        MTLS_ENDPOINT_ORIGIN: 'https://mtls.auth.example.com/',
        CONSOLE_SESSION_SECONDS: '600',
        ACCESS_TEAM_DOMAIN: 'https://Acme.cloudflareaccess.com/',
        ACCESS_AUD: 'aud-tag',
        ACCESS_ALLOWED_EMAILS: 'Ops@acme.test, dev@acme.test',
        ACCESS_ALLOWED_GROUPS: 'admins',
      }),
    ).toEqual({
      issuer: 'https://auth.example.com',
      signingAlg: 'EdDSA',
      scopeClaimFormat: 'array',
      storeCacheMs: 0,
      keyEncryptionKey: 'k',
      keyRotation: { interval: 30 * 86400, propagation: 36 * 3600, retention: 2592301, alg: 'EdDSA' },
      authFailures: { perClientIp: 3, perIp: 20, windowSeconds: 900 },
      clientAssertionMaxLifetimeSeconds: 60,
      logLevel: 'warn',
      dpopNonces: false,
      mtlsEndpointOrigin: 'https://mtls.auth.example.com',
      console: {
        sessionSeconds: 600,
        access: {
          teamOrigin: 'https://acme.cloudflareaccess.com',
          certsUrl: 'https://acme.cloudflareaccess.com/cdn-cgi/access/certs',
          audience: 'aud-tag',
          emails: ['ops@acme.test', 'dev@acme.test'],
          groups: ['admins'],
        },
      },
      gateway: expect.any(Object),
    });
  });

  it('names the bad setting', () => {
    expect(problem({ TOKEN_SIGNING_ALG: 'HS256' })).toBe('TOKEN_SIGNING_ALG must be one of RS256, PS256, ES256, EdDSA; got "HS256"');
    expect(problem({ TOKEN_SIGNING_ALG: 'none' })).toBe('TOKEN_SIGNING_ALG must be one of RS256, PS256, ES256, EdDSA; got "none"');
    expect(problem({ SCOPE_CLAIM_FORMAT: 'csv' })).toBe('SCOPE_CLAIM_FORMAT must be one of string, array; got "csv"');
    expect(problem({ LOG_LEVEL: 'debug' })).toBe('LOG_LEVEL must be one of info, warn, error; got "debug"');
    expect(problem({ STORE_CACHE_SECONDS: '-1' })).toBe('STORE_CACHE_SECONDS must be a whole number of seconds; got "-1"');
    expect(problem({ ISSUER: 'auth.example.com' })).toBe('ISSUER must be an absolute https URL; got "auth.example.com"');
    expect(problem({ ISSUER: 'http://auth.example.com' })).toBe('ISSUER must use https (http only for localhost); got "http://auth.example.com"');
    expect(problem({ ISSUER: 'https://auth.example.com/?x=1' })).toBe('ISSUER must not have a query or fragment; got "https://auth.example.com/?x=1"');
    expect(problem({ ISSUER: 'https://example.com/auth' })).toBe('ISSUER must be an origin without a path; got "https://example.com/auth"');
    expect(problem({ ISSUER: 'https://auth.example.com', MTLS_ENDPOINT_ORIGIN: 'http://mtls.example.com' })).toBe(
      'MTLS_ENDPOINT_ORIGIN must use https (http only for localhost); got "http://mtls.example.com"',
    );
    expect(problem({ ISSUER: 'https://auth.example.com', MTLS_ENDPOINT_ORIGIN: 'https://mtls.example.com/connect' })).toBe(
      'MTLS_ENDPOINT_ORIGIN must be an origin without a path; got "https://mtls.example.com/connect"',
    );
    expect(problem({ MTLS_ENDPOINT_ORIGIN: 'https://mtls.example.com' })).toBe(
      'MTLS_ENDPOINT_ORIGIN needs ISSUER: tokens issued on the mTLS hostname must carry the same iss as the others',
    );
  });

  it('accepts http for loopback development', () => {
    expect(loadConfig({ ...base, ISSUER: 'http://127.0.0.1:8787' }).issuer).toBe('http://127.0.0.1:8787');
  });
});

describe('key rotation settings', () => {
  it('refuses a malformed duration, naming the setting', () => {
    expect(problem({ KEY_PROPAGATION: '2 weeks' })).toBe('KEY_PROPAGATION must be a duration such as 3600, 90m, 12h or 14d; got "2 weeks"');
  });

  it('refuses a propagation period that the JWKS, KV and isolate caches could outlast', () => {
    expect(problem({ KEY_PROPAGATION: '390' })).toBe(
      'KEY_PROPAGATION must exceed 390 s (JWKS max-age 300 s + KV propagation 60 s + STORE_CACHE_SECONDS); got 390 s',
    );
    expect(problem({ KEY_PROPAGATION: '400', STORE_CACHE_SECONDS: '60' })).toMatch(/^KEY_PROPAGATION must exceed 420 s/);
    expect(loadConfig({ ...base, KEY_PROPAGATION: '361', STORE_CACHE_SECONDS: '0' }).keyRotation.propagation).toBe(361);
  });

  it('refuses an interval no longer than the propagation period', () => {
    expect(problem({ KEY_ROTATION_INTERVAL: '14d' })).toBe('KEY_ROTATION_INTERVAL must exceed KEY_PROPAGATION (1209600 s); got 1209600 s');
  });

  it('refuses a retention period that a token could outlive', () => {
    expect(problem({ KEY_RETENTION: '30d' })).toBe(
      'KEY_RETENTION must exceed 2592300 s (the longest access-token lifetime, 30 days, plus 300 s of validator leeway); got 2592000 s',
    );
  });
});

describe('failed-authentication limits', () => {
  it('refuses a limit that is not a positive whole number, or a malformed window', () => {
    expect(problem({ AUTH_FAILURE_LIMIT: '0' })).toBe('AUTH_FAILURE_LIMIT must be a whole number from 1 to 999999; got "0"');
    expect(problem({ AUTH_FAILURE_LIMIT_PER_IP: 'many' })).toBe('AUTH_FAILURE_LIMIT_PER_IP must be a whole number from 1 to 999999; got "many"');
    expect(problem({ AUTH_FAILURE_WINDOW: '-5' })).toMatch(/^AUTH_FAILURE_WINDOW must be a duration/);
    expect(problem({ AUTH_FAILURE_WINDOW: '0m' })).toBe('AUTH_FAILURE_WINDOW must be at least 1 s; got 0 s');
  });
});

describe('client assertions', () => {
  it('refuses a maximum lifetime outside 1 to 3600 s', () => {
    expect(problem({ CLIENT_ASSERTION_MAX_LIFETIME_SECONDS: '0' })).toBe('CLIENT_ASSERTION_MAX_LIFETIME_SECONDS must be from 1 to 3600 s; got 0 s');
    expect(problem({ CLIENT_ASSERTION_MAX_LIFETIME_SECONDS: '3601' })).toBe('CLIENT_ASSERTION_MAX_LIFETIME_SECONDS must be from 1 to 3600 s; got 3601 s');
    expect(problem({ CLIENT_ASSERTION_MAX_LIFETIME_SECONDS: '5m' })).toBe('CLIENT_ASSERTION_MAX_LIFETIME_SECONDS must be a whole number of seconds; got "5m"');
  });
});

describe('DPoP server nonces', () => {
  it('are off by default, on with DPOP_NONCES=true, which needs a usable KEY_ENCRYPTION_KEY', () => {
    const kek = btoa('k'.repeat(32));
    expect(loadConfig({ ...base, KEY_ENCRYPTION_KEY: kek, DPOP_NONCES: 'true' }).dpopNonces).toBe(true);
    expect(loadConfig({ ...base, DPOP_NONCES: 'false' }).dpopNonces).toBe(false);
    expect(problem({ DPOP_NONCES: 'yes' })).toBe('DPOP_NONCES must be one of true, false; got "yes"');
    const needsKey = 'DPOP_NONCES needs KEY_ENCRYPTION_KEY (base64 of 32 bytes), from which the nonce key is derived';
    expect(problem({ DPOP_NONCES: 'true' })).toBe(needsKey);
    expect(problem({ DPOP_NONCES: 'true', KEY_ENCRYPTION_KEY: 'k' })).toBe(needsKey);
  });
});

describe('leeway after exp', () => {
  it("is the common 300 s, or the gateway's clock skew when that is larger, and retention must cover it", () => {
    expect(problem({ GATEWAY_CLOCK_SKEW_SECONDS: '600', KEY_RETENTION: '2592301' })).toBe(
      'KEY_RETENTION must exceed 2592600 s (the longest access-token lifetime, 30 days, plus 600 s of validator leeway); got 2592301 s',
    );
    expect(loadConfig({ ...base, GATEWAY_CLOCK_SKEW_SECONDS: '60', KEY_RETENTION: '2592301' }).keyRotation.retention).toBe(2592301);
  });
});

describe('admin console settings', () => {
  it('refuses a session lifetime that is not 1 to 43200 s', () => {
    for (const value of ['0', '43201', '15m', '-1']) {
      expect(problem({ CONSOLE_SESSION_SECONDS: value })).toBe(`CONSOLE_SESSION_SECONDS must be a whole number of seconds from 1 to 43200 (12 h); got "${value}"`);
    }
  });

  it('refuses Cloudflare Access half configured, or letting in nobody named', () => {
    expect(problem({ ACCESS_AUD: 'x' })).toBe('ACCESS_AUD is set but ACCESS_TEAM_DOMAIN is not; set both, or neither');
    expect(problem({ ACCESS_TEAM_DOMAIN: 'acme.example.com', ACCESS_AUD: 'x', ACCESS_ALLOWED_EMAILS: 'a@b' })).toBe(
      'ACCESS_TEAM_DOMAIN must be your team domain, <team>.cloudflareaccess.com; got "acme.example.com"',
    );
    expect(problem({ ACCESS_TEAM_DOMAIN: 'acme.cloudflareaccess.com', ACCESS_ALLOWED_EMAILS: 'a@b' })).toBe(
      "ACCESS_AUD must be set with ACCESS_TEAM_DOMAIN: the Access application's Application Audience (AUD) tag",
    );
    expect(problem({ ACCESS_TEAM_DOMAIN: 'acme.cloudflareaccess.com', ACCESS_AUD: 'x' })).toBe(
      'ACCESS_ALLOWED_EMAILS or ACCESS_ALLOWED_GROUPS must name who may use the console when ACCESS_TEAM_DOMAIN is set',
    );
  });
});

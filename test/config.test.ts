import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

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
        fetchTimeoutMs: 3000,
        assertionLifetimeSeconds: 60,
      },
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
      }),
    ).toEqual({ issuer: 'https://auth.example.com', signingAlg: 'EdDSA', scopeClaimFormat: 'array', storeCacheMs: 0, keyEncryptionKey: 'k', gateway: expect.any(Object) });
  });

  it('names the bad setting', () => {
    expect(problem({ TOKEN_SIGNING_ALG: 'HS256' })).toBe('TOKEN_SIGNING_ALG must be one of RS256, PS256, ES256, EdDSA; got "HS256"');
    expect(problem({ TOKEN_SIGNING_ALG: 'none' })).toBe('TOKEN_SIGNING_ALG must be one of RS256, PS256, ES256, EdDSA; got "none"');
    expect(problem({ SCOPE_CLAIM_FORMAT: 'csv' })).toBe('SCOPE_CLAIM_FORMAT must be one of string, array; got "csv"');
    expect(problem({ STORE_CACHE_SECONDS: '-1' })).toBe('STORE_CACHE_SECONDS must be a whole number of seconds; got "-1"');
    expect(problem({ ISSUER: 'auth.example.com' })).toBe('ISSUER must be an absolute https URL; got "auth.example.com"');
    expect(problem({ ISSUER: 'http://auth.example.com' })).toBe('ISSUER must use https (http only for localhost); got "http://auth.example.com"');
    expect(problem({ ISSUER: 'https://auth.example.com/?x=1' })).toBe('ISSUER must not have a query or fragment; got "https://auth.example.com/?x=1"');
    expect(problem({ ISSUER: 'https://example.com/auth' })).toBe('ISSUER must be an origin without a path; got "https://example.com/auth"');
  });

  it('accepts http for loopback development', () => {
    expect(loadConfig({ ...base, ISSUER: 'http://127.0.0.1:8787' }).issuer).toBe('http://127.0.0.1:8787');
  });
});

import { describe, expect, it } from 'vitest';
import { parseClient, parseResource, parseScope } from '../../src/core/records';

function problem(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a RecordError');
}

const HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=';

describe('stored records', () => {
  it('fills defaults for a minimal client', () => {
    expect(parseClient('client:c', JSON.stringify({ clientId: 'c' }))).toEqual({
      clientId: 'c',
      name: undefined,
      enabled: true,
      secrets: [],
      allowedGrantTypes: [],
      allowedScopes: [],
      accessTokenLifetime: 3600,
      claims: {},
      claimsPrefix: 'client_',
    });
  });

  it('names the key and field of every malformed client', () => {
    const c = (o: unknown) => () => parseClient('client:c', JSON.stringify(o));
    expect(problem(() => parseClient('client:c', '{'))).toBe('KV record "client:c" is invalid: not valid JSON');
    expect(problem(c([1]))).toBe('KV record "client:c" is invalid: not a JSON object');
    expect(problem(c({}))).toBe('KV record "client:c" is invalid: "clientId" is required');
    expect(problem(c({ clientId: 'c', enabled: 'yes' }))).toBe('KV record "client:c" is invalid: "enabled" must be true or false');
    expect(problem(c({ clientId: 'c', secrets: [{ hash: 'secret' }] }))).toBe(
      'KV record "client:c" is invalid: "secrets[0].hash" must be a base64 SHA-256 or SHA-512 hash',
    );
    expect(problem(c({ clientId: 'c', secrets: [{ hash: HASH, expires: 'soon' }] }))).toBe(
      'KV record "client:c" is invalid: "secrets[0].expires" must be an ISO 8601 date',
    );
    expect(problem(c({ clientId: 'c', allowedScopes: 'api1' }))).toBe('KV record "client:c" is invalid: "allowedScopes" must be a list of non-empty strings');
    expect(problem(c({ clientId: 'c', accessTokenLifetime: 0 }))).toBe(
      'KV record "client:c" is invalid: "accessTokenLifetime" must be a whole number of seconds from 1 to 2592000',
    );
    expect(problem(c({ clientId: 'c', claims: { x: { nested: true } } }))).toBe(
      'KV record "client:c" is invalid: claim "x" must be a string, number, boolean or a list of those',
    );
  });

  it('reads requireDPoP as a boolean, absent by default', () => {
    const client = (o: object) => parseClient('client:c', JSON.stringify({ clientId: 'c', ...o }));
    expect(client({}).requireDPoP).toBeUndefined();
    expect(client({ requireDPoP: true }).requireDPoP).toBe(true);
    expect(problem(() => client({ requireDPoP: 'yes' }))).toBe('KV record "client:c" is invalid: "requireDPoP" must be true or false');
  });

  it('refuses client claims that would override registered ones', () => {
    expect(problem(() => parseClient('client:c', JSON.stringify({ clientId: 'c', claimsPrefix: '', claims: { sub: 'admin' } })))).toBe(
      'KV record "client:c" is invalid: claim "sub" is reserved',
    );
    expect(parseClient('client:c', JSON.stringify({ clientId: 'c', claims: { sub: 'x' } })).claims).toEqual({ sub: 'x' });
  });

  it('validates scopes and resources', () => {
    expect(parseScope('scope:a', '{"name":"a"}')).toEqual({ name: 'a', displayName: undefined, description: undefined, enabled: true });
    expect(problem(() => parseScope('scope:a', '{"name":""}'))).toBe('KV record "scope:a" is invalid: "name" must be a non-empty string');
    expect(parseResource('resource:r', '{"name":"r","scopes":["a"]}')).toEqual({ name: 'r', displayName: undefined, enabled: true, scopes: ['a'], secrets: [] });
    expect(problem(() => parseResource('resource:r', '{"name":"r","scopes":[1]}'))).toBe('KV record "resource:r" is invalid: "scopes" must be a list of non-empty strings');
  });
});

import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, claimsOf, put, seedArticle } from '../helpers/fixtures';
import {
  authorization,
  body,
  buildHeaders,
  captureLogs,
  contentType,
  expectCleanLogs,
  expectWellFormed,
  extraHeaders,
  method,
  paramValue,
  SECRET_MARKER,
} from './hostile';

const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';
const logs = captureLogs();

const API1_URI = 'https://api1.example.com';

beforeAll(async () => {
  await seedArticle('ES256');
  await put('resource:api1', { name: 'api1', displayName: 'My API', uri: API1_URI, scopes: ['api1'] });
});

afterAll(() => {
  logs.restore();
});

// Failed authentications are limited per caller address (docs/abuse.md); each run comes from an
// address of its own, so the properties explore the endpoint rather than the limiter.
let caller = 0;
function nextAddress(): [string, string] {
  caller++;
  return ['CF-Connecting-IP', `198.18.${(caller >> 8) & 255}.${caller & 255}`];
}

function formEncode(text: string): string {
  try {
    return encodeURIComponent(text).replace(/%20/g, '+');
  } catch {
    return escape(text); // a lone surrogate, sent as a broken client would
  }
}

describe('POST /connect/token under hostile input', () => {
  it('answers anything with a well-formed response: never a 5xx, never an echoed or logged secret', { timeout: 60_000 }, async () => {
    const jwks = createLocalJWKSet((await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: never[] });
    const sent: string[] = [];
    await fc.assert(
      fc.asyncProperty(method, contentType, authorization, body, extraHeaders, async (m, type, auth, payload, extra) => {
        const headers = buildHeaders({ contentType: type, authorization: auth, extra: [...extra, nextAddress()] });
        const withBody = m !== 'GET' && m !== 'HEAD';
        const res = await call('/connect/token', { method: m, headers, body: withBody ? payload : undefined });
        if (auth) sent.push(auth);
        const result = (await expectWellFormed(res, m, auth ? [auth] : [])) as Record<string, unknown> | undefined;
        if (res.status === 200) {
          // Only a correct request for the seeded client succeeds, and what it gets verifies.
          expect(m.toUpperCase()).toBe('POST');
          expect(res.headers.get('Cache-Control')).toBe('no-store');
          expect(Object.keys(result!).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
          const { payload: claims } = await jwtVerify(result!.access_token as string, jwks, { typ: 'at+jwt' });
          expect(claims.client_id).toBe('client');
          expect(JSON.stringify(claims)).not.toContain(SECRET_MARKER);
        }
        // RFC 6749 §5.2: a challenge exactly when the client tried the Authorization header.
        if (res.status === 401) expect(res.headers.get('WWW-Authenticate')).toBe(headers.has('Authorization') ? BASIC_CHALLENGE : null);
        else expect(res.headers.get('WWW-Authenticate')).toBeNull();
      }),
      { numRuns: 250 },
    );
    expectCleanLogs(logs.lines, sent);
  });

  it('lets no secret but the right one through, however it is encoded', { timeout: 60_000 }, async () => {
    const near = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('secret ', ' secret', 'Secret', 'secret\u0000', 'secre', 'secrett', 's%65cret', 'secret%00', '\uFF53ecret', 'sécret'),
    );
    await fc.assert(
      fc.asyncProperty(near, fc.boolean(), async (candidate, useBasic) => {
        fc.pre(candidate !== 'secret');
        const basic = `Basic ${btoa(`client:${formEncode(candidate)}`)}`;
        const res = await call('/connect/token', {
          method: 'POST',
          headers: buildHeaders({ contentType: 'application/x-www-form-urlencoded', authorization: useBasic ? basic : undefined, extra: [nextAddress()] }),
          body: `grant_type=client_credentials${useBasic ? '' : `&client_id=client&client_secret=${formEncode(candidate)}`}`,
        });
        await expectWellFormed(res, 'POST');
        expect([400, 401]).toContain(res.status);
      }),
      { numRuns: 100 },
    );
  });

  it('issues a token for resource indicators exactly when each names the known resource (RFC 8707 §2)', { timeout: 60_000 }, async () => {
    const resource = fc.oneof(
      paramValue,
      fc.constantFrom(API1_URI, `${API1_URI}/`, `${API1_URI}#x`, 'HTTPS://api1.example.com', 'api1', 'urn:api1', `${API1_URI}?`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(resource, { maxLength: 4 }), fc.constantFrom(undefined, 'api1'), async (resources, scope) => {
        const params = new URLSearchParams([['grant_type', 'client_credentials'], ['client_id', 'client'], ['client_secret', 'secret']]);
        if (scope) params.append('scope', scope);
        for (const value of resources) params.append('resource', value);
        const text = params.toString();
        const res = await call('/connect/token', {
          method: 'POST',
          headers: buildHeaders({ contentType: 'application/x-www-form-urlencoded', extra: [nextAddress()] }),
          body: text,
        });
        // What the server reads: the form decoding of what was sent, empty values as absent.
        const sent = new URLSearchParams(text).getAll('resource').filter((v) => v !== '');
        const answer = (await res.json()) as Record<string, unknown>;
        if (text.length > 8192) {
          expect(answer).toEqual({ error: 'invalid_request', error_description: 'the request body is larger than 8192 bytes' });
        } else if (sent.every((v) => v === API1_URI)) {
          expect(res.status).toBe(200);
          expect(claimsOf(answer.access_token as string)).toMatchObject({ aud: 'api1', scope: 'api1' });
        } else {
          expect(res.status).toBe(400);
          expect(res.headers.get('Cache-Control')).toBe('no-store');
          expect(answer.error).toBe('invalid_target');
          // A value is repeated in the description only when it is plain enough to hold no other parameter.
          expect(answer.error_description).toMatch(/^resource( "[A-Za-z0-9._:/-]{1,100}")? (must be an absolute URI without a fragment \(RFC 8707 §2\)|is not a known API resource)$/);
        }
      }),
      { numRuns: 100 },
    );
  });
});

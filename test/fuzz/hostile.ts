/**
 * Hostile input for the property-based suites: generators of requests no well-behaved client
 * sends, and the checks every answer to them must pass.
 */
import fc from 'fast-check';
import { expect, vi } from 'vitest';

/**
 * Every secret the suites send starts with this marker, so that an answer echoing a secret (or a
 * part of one longer than the marker) is caught wherever it appears.
 */
export const SECRET_MARKER = 'Zq7SECRET';

/** The error codes each HTTP status may carry (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9110). */
const CODES_BY_STATUS: Record<number, readonly string[]> = {
  400: ['invalid_request', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target', 'unsupported_token_type'],
  401: ['invalid_client', 'invalid_token'],
  403: ['insufficient_scope', 'access_denied'],
  404: ['not_found'],
  405: ['method_not_allowed'],
  409: ['conflict'],
  413: ['invalid_request'],
  415: ['unsupported_media_type'],
  429: ['too_many_requests'],
};

/** Printable text, including quotes, backslashes, percent signs and plus signs. */
const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });

/** Text from the whole of Unicode: astral characters, combining marks, lone surrogates, controls. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

/** Percent-encodings, valid and not: overlong, truncated, non-UTF-8, encoded separators. */
const percentMess = fc.constantFrom('%', '%%', '%zz', '%C0%AF', '%ED%A0%80', '%FF%FE', '%00', '%26', '%3D', '%2B', '+', '%E2%82', '%F0%9F%98%80');

/** A value for a form parameter: plausible, empty, huge, encoded strangely or not text at all. */
export const paramValue = fc.oneof(
  fc.constantFrom('client_credentials', 'client', 'api1', 'api1 api2', '', ' ', 'password', 'authorization_code', 'refresh_token'),
  ascii,
  anyText,
  fc.array(fc.oneof(ascii, percentMess), { maxLength: 6 }).map((parts) => parts.join('')),
  fc.integer({ min: 100, max: 3000 }).map((n) => 'x'.repeat(n)),
);

/** A parameter name: the token endpoint's own, case variants, and random ones. */
export const paramName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope') },
  fc.constantFrom('GRANT_TYPE', 'Client_Id', 'grant_type ', 'scope[]', 'client_assertion', 'client_assertion_type', 'resource', 'audience', ''),
  ascii,
  anyText,
);

/** A secret as a client might present it: the real one, a wrong one, or an odd one, always marked. */
export const secret = fc.oneof(
  fc.constant('secret'),
  fc.tuple(fc.constantFrom('', 'x', 'é', ':', '%41', '+ '), ascii).map(([odd, tail]) => `${SECRET_MARKER}${odd}${tail}`),
);

function formEncode(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, '+');
}

function safeFormEncode(text: string): string {
  try {
    return formEncode(text);
  } catch {
    // a lone surrogate: send it percent-mangled, as a broken client would
    return escape(text);
  }
}

/**
 * A form body: parameters in any order, repeated, encoded strictly, loosely or not at all.
 * Marked secrets go only where a secret belongs (`client_secret`); other values may be echoed in
 * an error description, as RFC 6749 §5.2 allows.
 */
export const formBody = fc
  .array(
    fc.tuple(
      paramName.chain((name) => fc.tuple(fc.constant(name), name === 'client_secret' ? secret : paramValue)),
      fc.constantFrom<'encoded' | 'raw'>('encoded', 'encoded', 'raw'),
    ),
    { maxLength: 8 },
  )
  .chain((params) =>
    fc.constantFrom('&', '&&', ';').map((sep) =>
      params.map(([[name, value], how]) => (how === 'raw' ? `${name}=${value}` : `${safeFormEncode(name)}=${safeFormEncode(value)}`)).join(sep),
    ),
  );

/** A well-formed token request for the seeded client, so that successes are exercised too. */
export const goodForm = fc
  .constantFrom(undefined, 'api1')
  .map((scope) => `grant_type=client_credentials&client_id=client&client_secret=secret${scope ? `&scope=${scope}` : ''}`);

/** A request body: a form (good or hostile), random text, random bytes, or far too big. */
export const body = fc.oneof(
  { weight: 2, arbitrary: goodForm },
  { weight: 6, arbitrary: formBody },
  anyText,
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 8_000, max: 20_000 }).map((n) => `grant_type=client_credentials&pad=${'a'.repeat(n)}`),
);

/** A Content-Type header value, or none. */
export const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/x-www-form-urlencoded') },
  fc.constantFrom(
    undefined,
    'application/x-www-form-urlencoded; charset=utf-8',
    'APPLICATION/X-WWW-FORM-URLENCODED',
    'application/x-www-form-urlencoded;charset=iso-8859-1',
    'application/json',
    'text/plain',
    'multipart/form-data; boundary=xyz',
    'application/x-www-form-urlencoded, application/json',
    '',
  ),
  ascii,
);

/** Base64 without the helper's guard: what `btoa` gives for text that fits in Latin-1. */
function base64(text: string): string {
  return btoa(Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join(''));
}

/** An Authorization header: Basic done right and wrong, other schemes, garbage, or none. */
export const authorization = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.tuple(fc.constantFrom('client', 'nobody', 'my client', ''), secret).map(([id, s]) => `Basic ${base64(`${formEncode(id)}:${formEncode(s)}`)}`),
  fc.tuple(ascii, secret).map(([id, s]) => `Basic ${base64(`${id}:${s}`)}`),
  fc.tuple(fc.constantFrom('Basic', 'basic', 'BASIC', 'Basic  ', 'Basic\t'), ascii).map(([scheme, rest]) => `${scheme} ${rest}`),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => `Basic ${btoa(String.fromCharCode(...bytes))}`),
  fc.constantFrom('Basic', 'Basic ', 'Basic =', 'Basic Og==', 'Basic OjpaeQ==', 'Bearer', 'Digest username="x"', 'Negotiate abc'),
  fc.constant(null).chain(() => forgedJwt.map((jwt) => `Bearer ${jwt}`)),
);

function b64url(text: string): string {
  return base64(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * JWTs no verifier should accept: `alg: none`, HS256 signed with the public key, wrong `typ`,
 * truncated, with extra segments, bad base64url, or valid-looking with a random signature.
 * Each carries the marker in a claim, so an echo of the token is caught.
 */
export const forgedJwt = fc
  .record({
    alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'EdDSA', 'PS256', 'RS512', ''),
    typ: fc.constantFrom('at+jwt', 'JWT', 'application/at+jwt', undefined),
    kid: fc.oneof(fc.constant(undefined), ascii),
    exp: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 4_000_000_000 }), fc.constant('soon')),
    scope: fc.constantFrom('api1', 'api1 admin', ''),
    signature: fc.oneof(fc.constant(''), fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => b64url(String.fromCharCode(...b)))),
    shape: fc.constantFrom('whole', 'truncated', 'extra', 'two', 'badb64', 'empty-parts'),
  })
  .map(({ alg, typ, kid, exp, scope, signature, shape }) => {
    const header = b64url(JSON.stringify({ alg, typ, kid }));
    const payload = b64url(JSON.stringify({ iss: 'https://gatehouse.test', sub: 'client', client_id: 'client', aud: 'api1', scope, exp, jti: SECRET_MARKER }));
    const whole = `${header}.${payload}.${signature}`;
    switch (shape) {
      case 'truncated':
        return whole.slice(0, Math.max(1, Math.floor(whole.length / 2)));
      case 'extra':
        return `${whole}.${payload}`;
      case 'two':
        return `${header}.${payload}`;
      case 'badb64':
        return `${header}.${payload}!*$.${signature}`;
      case 'empty-parts':
        return '..';
      default:
        return whole;
    }
  });

/** Extra request headers: oversized, odd, or hop-by-hop, which must change nothing. */
export const extraHeaders = fc.array(
  fc.oneof(
    fc.tuple(fc.constantFrom('X-Padding', 'Cookie', 'Accept', 'X-Forwarded-For', 'Forwarded', 'Via', 'Origin'), ascii),
    fc.integer({ min: 1_000, max: 16_000 }).map((n) => ['X-Large', 'y'.repeat(n)] as [string, string]),
    fc.constantFrom<[string, string]>(['Transfer-Encoding', 'chunked'], ['Expect', '100-continue'], ['Content-Encoding', 'gzip'], ['Accept-Encoding', 'br']),
  ),
  { maxLength: 3 },
);

/**
 * Pieces of hostile request paths, from the published gateway-bypass classes: dot segments and
 * their spellings, `;` path parameters (Tomcat, Jetty, Spring), double encoding, overlong UTF-8
 * (old IIS), `%u` escapes, backslashes, encoded separators, NUL, case and trailing-dot variants of
 * a nested prefix, and malformed escapes. Joined at random they also make spellings no list has.
 */
const pathPiece = fc.constantFrom(
  '/', '/', '/', '.', '..', ';', '%', '2', '5', 'e', 'E', 'c', '0', 'a', 'f', '\\', 'x', '=', '~', ' ',
  'admin', 'admin', 'api', 'ADMIN', 'Admin', '..;', ';x=1', ';jsessionid=A',
  '%2e', '%2E', '%2f', '%2F', '%25', '%252e', '%252f', '%5c', '%5C', '%3b', '%3B', '%00', '%20', '%09',
  '%c0%ae', '%c0%af', '%e0%80%ae', '%u002e', '%61', '%69', '%6E', '%7e', '%C4%B1', '%zz',
);

/** A request path aimed at the gateway's `/api` and `/api/admin` routes, in a hostile spelling. */
export const hostilePath = fc
  .tuple(fc.constantFrom('/api/', '/api', '/api/admin', '/', '//', '/%61pi/'), fc.array(pathPiece, { maxLength: 14 }))
  .map(([head, pieces]) => head + pieces.join(''));

/** HTTP methods, standard and not. */
export const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'post');

/** Builds a Request from generated parts; headers the runtime itself refuses are left out. */
export function buildHeaders(parts: { contentType?: string; authorization?: string; extra?: Array<[string, string]> }): Headers {
  const headers = new Headers();
  const set = (name: string, value: string) => {
    try {
      headers.append(name, value);
    } catch {
      // not a valid header value (a control character): no client could send it
    }
  };
  if (parts.contentType !== undefined) set('Content-Type', parts.contentType);
  if (parts.authorization !== undefined) set('Authorization', parts.authorization);
  for (const [name, value] of parts.extra ?? []) set(name, value);
  return headers;
}

/** Asserts nothing of `needles` (secrets, tokens) appears in the answer's headers or body. */
function expectNoEcho(text: string, headers: Headers, needles: readonly string[]) {
  const all = `${text}\n${[...headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  expect(all).not.toContain(SECRET_MARKER);
  for (const needle of needles) if (needle.length >= 8) expect(all).not.toContain(needle);
}

/**
 * The checks every answer must pass, whatever was asked: never a 5xx, every error a JSON
 * `{ error, error_description }` with `Cache-Control: no-store` and a code that fits its status,
 * 405s with `Allow`, 401s from Basic with a Basic challenge, nothing sent echoed back.
 * Returns the parsed body (or undefined for HEAD) for further checks.
 */
export async function expectWellFormed(res: Response, method: string, sent: readonly string[] = []): Promise<unknown> {
  expect(res.status, `status ${res.status}`).toBeLessThan(500);
  const text = await res.text();
  expectNoEcho(text, res.headers, sent);
  if (res.status < 400) return method === 'HEAD' || text === '' ? undefined : JSON.parse(text);
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  if (method === 'HEAD') return undefined;
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(typeof body.error_description).toBe('string');
  expect(CODES_BY_STATUS[res.status] ?? [], `${res.status} with ${String(body.error)}`).toContain(body.error);
  if (res.status === 405) expect(res.headers.get('Allow')).toMatch(/^[A-Z, ]+$/);
  return body;
}

/**
 * Collects what the Worker logs (and keeps it off the test output), so that a suite can assert
 * that no secret or token reached a log line. Call `restore()` when done.
 */
export function captureLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** Asserts that no log line holds a marked secret or any of `needles`. */
export function expectCleanLogs(lines: readonly string[], needles: readonly string[] = []): void {
  for (const line of lines) {
    expect(line).not.toContain(SECRET_MARKER);
    for (const needle of needles) if (needle.length >= 8) expect(line).not.toContain(needle);
  }
}

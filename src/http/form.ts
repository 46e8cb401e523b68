import { OAuthError } from '../errors';

/** The largest form body an OAuth endpoint reads; larger requests are refused unread. */
export const MAX_FORM_BYTES = 8 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a request body of at most `limit` bytes; a larger one is refused without reading the rest,
 * answered with `tooLargeStatus` (OAuth endpoints use 400 per RFC 6749 §5.2, others 413).
 */
export async function readLimited(request: Request, limit: number, tooLargeStatus = 400): Promise<Uint8Array> {
  const tooLarge = () => new OAuthError('invalid_request', `the request body is larger than ${limit} bytes`, { status: tooLargeStatus });
  const declared = request.headers.get('Content-Length');
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) throw tooLarge();
  if (declared !== null) {
    // The framing bounds a body with a Content-Length (RFC 9112 §6.3), so it is read whole, by
    // one native read: a JavaScript loop over the chunks of `request.body` costs several times more.
    let whole: ArrayBuffer;
    try {
      whole = await request.arrayBuffer();
    } catch {
      throw new OAuthError('invalid_request', 'the request body could not be read');
    }
    if (whole.byteLength > limit) throw tooLarge();
    return new Uint8Array(whole);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof OAuthError) throw cause;
    throw new OAuthError('invalid_request', 'the request body could not be read');
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** A form body: parameters given once, and the values of those a caller may repeat. */
export interface FormParameters {
  single: Map<string, string>;
  /** For each repeatable parameter present, its non-empty values in the order given. */
  repeated: Map<string, string[]>;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, §4.4.2) into a map of single
 * values. Refuses another content type, a body over {@link MAX_FORM_BYTES}, invalid UTF-8 and any
 * parameter given twice (§3.2: "MUST NOT be included more than once"). Empty values count as
 * absent (§3.1).
 */
export async function readForm(request: Request): Promise<Map<string, string>> {
  return (await readFormParameters(request, [])).single;
}

/**
 * {@link readForm}, except that the parameters named in `repeatable` may be given more than once,
 * as RFC 8707 §2 lets `resource` be; every other parameter is still refused when repeated.
 */
export async function readFormParameters(request: Request, repeatable: readonly string[]): Promise<FormParameters> {
  const type = request.headers.get('Content-Type') ?? '';
  const mediaType = type.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const bytes = await readLimited(request, MAX_FORM_BYTES);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new OAuthError('invalid_request', 'the body is not valid UTF-8');
  }
  const single = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (repeatable.includes(name)) {
      if (value !== '') repeated.set(name, [...(repeated.get(name) ?? []), value]);
      continue;
    }
    if (single.has(name)) throw new OAuthError('invalid_request', `parameter "${printable(name)}" is given more than once`);
    single.set(name, value);
  }
  for (const [name, value] of single) if (value === '') single.delete(name);
  return { single, repeated };
}

/** A parameter name made safe to put in an error description: short and printable ASCII. */
export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

// Grant names and scope names as people write them (RFC 6749 §4.5 name-char, plus ":" and "/"
// for URIs): anything else may be a mangled form that carries another parameter, a secret even.
const PLAIN = /^[A-Za-z0-9._:/-]{1,100}$/;

/**
 * ` "value"` when a value read from the request is plain enough to repeat in an error
 * description, else nothing. A client that joins its form with ";" sends `grant_type` as
 * "client_credentials;client_secret=…", and an error must not hand that back.
 */
export function echoed(value: string): string {
  return PLAIN.test(value) ? ` "${value}"` : '';
}

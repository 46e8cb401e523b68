import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors';
import { echoed, MAX_FORM_BYTES, readForm, readFormParameters } from '../../src/http/form';
import { call, seedArticle } from '../helpers/fixtures';

const FORM = 'application/x-www-form-urlencoded';

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request('https://gatehouse.test/connect/token', { method: 'POST', headers: { 'Content-Type': FORM, ...headers }, body });
}

async function refusal(request: Request): Promise<string> {
  try {
    await readForm(request);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return (error as OAuthError).message;
  }
  throw new Error('expected readForm to refuse the request');
}

describe('readForm', () => {
  it('reads a body with a Content-Length whole, and one without as a stream, to the same map', async () => {
    const text = 'grant_type=client_credentials&scope=a+b&client_id=%C3%A9';
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text.slice(0, 10)));
        controller.enqueue(new TextEncoder().encode(text.slice(10)));
        controller.close();
      },
    });
    const expected = new Map([
      ['grant_type', 'client_credentials'],
      ['scope', 'a b'],
      ['client_id', 'é'],
    ]);
    expect(await readForm(post(text, { 'Content-Length': String(text.length) }))).toEqual(expected);
    // @ts-expect-error duplex is required for a streamed request body
    expect(await readForm(new Request('https://gatehouse.test/', { method: 'POST', headers: { 'Content-Type': FORM }, body: streamed, duplex: 'half' }))).toEqual(expected);
  });

  it('refuses a declared length over the limit, or a malformed one, before reading', async () => {
    const tooLarge = `the request body is larger than ${MAX_FORM_BYTES} bytes`;
    expect(await refusal(post('a=b', { 'Content-Length': String(MAX_FORM_BYTES + 1) }))).toBe(tooLarge);
    expect(await refusal(post('a=b', { 'Content-Length': '1e3' }))).toBe(tooLarge);
    expect(await refusal(post('a=b', { 'Content-Length': '-1' }))).toBe(tooLarge);
  });

  it('reads an empty body as an empty form', async () => {
    expect(await readForm(post('', { 'Content-Length': '0' }))).toEqual(new Map());
    expect(await readForm(new Request('https://gatehouse.test/', { method: 'POST', headers: { 'Content-Type': FORM } }))).toEqual(new Map());
  });
});

describe('readFormParameters', () => {
  it('collects the values of a repeatable parameter in order, dropping empty ones (RFC 6749 §3.1)', async () => {
    const form = await readFormParameters(post('resource=urn%3Aa&grant_type=x&resource=&resource=urn%3Ab&resource=urn%3Aa'), ['resource']);
    expect(form).toEqual({ single: new Map([['grant_type', 'x']]), repeated: new Map([['resource', ['urn:a', 'urn:b', 'urn:a']]]) });
    expect(await readFormParameters(post('resource=&a=b'), ['resource'])).toEqual({ single: new Map([['a', 'b']]), repeated: new Map() });
  });

  it('still refuses any other parameter given twice (RFC 6749 §3.2)', async () => {
    await expect(readFormParameters(post('resource=urn%3Aa&scope=x&resource=urn%3Ab&scope=x'), ['resource'])).rejects.toThrow('parameter "scope" is given more than once');
    expect(await refusal(post('resource=urn%3Aa&resource=urn%3Ab'))).toBe('parameter "resource" is given more than once');
  });
});

describe('echoed', () => {
  it('repeats plain names and URIs, and nothing that could carry another parameter', () => {
    expect(echoed('password')).toBe(' "password"');
    expect(echoed('urn:ietf:params:oauth:grant-type:jwt-bearer')).toBe(' "urn:ietf:params:oauth:grant-type:jwt-bearer"');
    expect(echoed('client_credentials;client_secret=hunter2')).toBe('');
    expect(echoed('a"b')).toBe('');
    expect(echoed('x'.repeat(101))).toBe('');
    expect(echoed('')).toBe('');
  });

  it('keeps a secret sent after a ";" out of the token endpoint errors', async () => {
    await seedArticle();
    for (const body of [
      'grant_type=client_credentials;client_secret=hunter2-secret&client_id=client',
      'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1;client_secret=hunter2-secret',
    ]) {
      const res = await call('/connect/token', { method: 'POST', headers: { 'Content-Type': FORM }, body });
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(text).not.toContain('hunter2');
      expect(JSON.parse(text).error_description).toMatch(/^(grant_type is not supported|scope is not allowed for this client)$/);
    }
  });
});

import { OAuthError } from '../errors';
import { readLimited } from './form';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads an `application/json` request body of at most `limit` bytes and parses it. Another content
 * type is 415, a larger body 413 (read no further), invalid UTF-8 or JSON 400.
 */
export async function readJson(request: Request, limit: number): Promise<unknown> {
  const type = request.headers.get('Content-Type') ?? '';
  const mediaType = type.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new OAuthError('unsupported_media_type', 'the body must be application/json');
  }
  const bytes = await readLimited(request, limit, 413);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new OAuthError('invalid_request', 'the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_request', 'the body is not valid JSON');
  }
}

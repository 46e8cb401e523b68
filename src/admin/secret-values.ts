import { randomId } from '../core/encoding';
import type { SecretRecord } from '../core/records';
import { OAuthError } from '../errors';

/** Length of a user-chosen secret below which it is weak. */
export const MIN_SECRET_LENGTH = 32;
/** Distinct characters a user-chosen secret must have, so "aaaa…" or "abab…" is weak. */
export const MIN_SECRET_DISTINCT = 10;

/**
 * A new client or resource secret: 32 random bytes (256 bits), base64url without padding, so it
 * needs no escaping in a form body or a Basic header (RFC 6749 §2.3.1).
 */
export function generateSecret(): string {
  return randomId(32);
}

/**
 * Why a user-chosen secret is weak, or undefined when it is not. The rule catches short and
 * repetitive secrets; it cannot measure randomness, which is why generated secrets are the default.
 */
export function secretWeakness(value: string): string | undefined {
  if (value.length < MIN_SECRET_LENGTH) return `it has fewer than ${MIN_SECRET_LENGTH} characters`;
  if (new Set(value).size < MIN_SECRET_DISTINCT) return `it has fewer than ${MIN_SECRET_DISTINCT} distinct characters`;
  return undefined;
}

/** Checks a user-chosen secret's form, and its strength unless weak secrets are allowed (local state). */
export function checkSecretValue(value: unknown, allowWeak: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > 512 || /[\x00-\x1f\x7f]/.test(value)) {
    throw new OAuthError('invalid_request', '"value" must be 1 to 512 characters without control characters');
  }
  const weakness = secretWeakness(value);
  if (weakness && !allowWeak) {
    throw new OAuthError('invalid_request', `the secret is weak: ${weakness}; omit "value" to have a strong one generated`);
  }
  return value;
}

/** Gives every secret an id (random, unrelated to the secret), so each can be listed and removed by it. */
export function withSecretIds(secrets: SecretRecord[]): SecretRecord[] {
  return secrets.map((s) => (s.id ? s : { id: randomId(8), ...s }));
}

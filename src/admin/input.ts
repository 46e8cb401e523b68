import { RecordError } from '../core/records';
import { OAuthError } from '../errors';

/** Checks that admin input is a JSON object with only the allowed fields. */
export function objectInput(what: string, input: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new OAuthError('invalid_request', `${what} must be a JSON object`);
  for (const field of Object.keys(input)) {
    if (!allowed.includes(field)) throw new OAuthError('invalid_request', `unknown field "${field.slice(0, 40)}"`);
  }
  return input as Record<string, unknown>;
}

/** Runs a record validator of src/core/records.ts on admin input, answering its problem as a 400. */
export function validated<T>(parse: (key: string, raw: string) => T, key: string, record: object): T {
  try {
    return parse(key, JSON.stringify(record));
  } catch (error) {
    if (error instanceof RecordError) throw new OAuthError('invalid_request', error.problem);
    throw error;
  }
}

import type { Context } from 'hono';
import { OAuthError } from '../../errors';

/** A posted console form: text fields by name, repeated fields (checkboxes) as lists. */
export interface ConsoleForm {
  /** A field's trimmed text; undefined when absent or empty. */
  text(name: string): string | undefined;
  /** Every value of a repeated field, such as a group of checkboxes. */
  all(name: string): string[];
  /** An uploaded file's text; undefined when no file was chosen. */
  file(name: string): Promise<string | undefined>;
}

/** Reads the request's form (urlencoded or multipart; hono keeps the parse, so the CSRF check's read is reused). */
export async function readConsoleForm(c: Context): Promise<ConsoleForm> {
  const body = await c.req.parseBody({ all: true });
  const values = (name: string): Array<string | File> => {
    const v = body[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  return {
    text(name) {
      const v = values(name)[0];
      if (typeof v !== 'string') return undefined;
      const t = v.trim();
      return t === '' ? undefined : t;
    },
    all(name) {
      return values(name).filter((v): v is string => typeof v === 'string' && v !== '');
    },
    async file(name) {
      const v = values(name)[0];
      if (!(v instanceof File) || v.size === 0) return undefined;
      return v.text();
    },
  };
}

/** A whole number of seconds from a form field, or undefined when left empty; else a 400 naming the field. */
export function wholeNumber(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new OAuthError('invalid_request', `${field} must be a whole number`);
  return Number(value);
}

/**
 * An expiry date from a `<input type=date>` (YYYY-MM-DD) as the end of that day in UTC, in the
 * ISO 8601 form the admin operations take; undefined when left empty.
 */
export function expiryDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new OAuthError('invalid_request', 'the expiry must be a date, YYYY-MM-DD');
  return `${value}T23:59:59Z`;
}

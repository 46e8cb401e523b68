import { OAuthError } from '../../errors';

/** A change the admin operations refused (400, 404, 409): what to tell the admin, and the status. */
export interface Refusal {
  message: string;
  status: number;
}

/**
 * The refusal in `error` when it is one the admin can act on (the operation's own words, as the
 * JSON API gives them); anything else is rethrown for the console's error page.
 */
export function refusal(error: unknown): Refusal {
  if (error instanceof OAuthError && error.status < 500) return { message: error.message, status: error.status };
  throw error;
}

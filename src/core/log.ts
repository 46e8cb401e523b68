/**
 * Structured JSON log lines. Callers pass only identifiers and outcomes: never a secret, a hash,
 * a token or a private key. `redact` is a second line of defence for fields with such names.
 */

export type LogEvent =
  | 'token_issued'
  | 'client_auth_failed'
  | 'request_rejected'
  | 'store_record_invalid'
  | 'store_unavailable'
  | 'config_invalid'
  | 'signing_unavailable'
  | 'key_rotated'
  | 'key_rotation_failed'
  | 'revocations_publish_failed'
  | 'client_auth_limited'
  | 'auth_limiter_unavailable'
  | 'client_changed'
  | 'catalog_changed'
  | 'token_revoked'
  | 'token_revocation_refused'
  | 'gateway_rejected'
  | 'gateway_origin_failed'
  | 'gateway_issuer_unavailable'
  | 'unhandled_error'
  | 'console_signed_in'
  | 'console_signed_out'
  | 'console_sign_in_failed'
  | 'console_access_refused'
  | 'console_csrf_refused';

const SENSITIVE = /secret|password|token|hash|assertion|private|authorization|^d$|^k$/i;

export type LogLevel = 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };
let threshold = RANK.info;

/**
 * The least level written, from the `LOG_LEVEL` setting (src/config.ts sets it when it loads the
 * configuration). Lines below it cost nothing: a `console.log` is dear in workerd, about as much
 * as an ES256 signature and more (docs/configuration.md gives the figure).
 */
export function setLogLevel(level: LogLevel): void {
  threshold = RANK[level];
}

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SENSITIVE.test(key) ? '[redacted]' : value;
  return out;
}

/** Writes one JSON log line for an event. */
export function log(level: LogLevel, event: LogEvent, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify({ level, event, time: new Date().toISOString(), ...redact(fields) });
  writeLine(level, line);
}

function consoleWriter(level: LogLevel, line: string): void {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

let writeLine: (level: LogLevel, line: string) => void = consoleWriter;

/**
 * Where log lines go. In a Worker, the console (Workers Logs reads it). The CLI sends every line to
 * stderr, so that its stdout holds only its output and `--json` output parses.
 */
export function setLogWriter(writer: (level: LogLevel, line: string) => void): void {
  writeLine = writer;
}

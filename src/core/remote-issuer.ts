import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { OAuthError } from '../errors';
import { log } from './log';
import { TokenRejected } from './verify-token';

/** Asymmetric JWS algorithms only (RFC 8725 §3.1): never `none`, never an HMAC. */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Most bytes read of a discovery document or a JWKS: real ones are a few KiB, and a larger one is not read into memory. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/** Default of {@link RemoteIssuerOptions.staleMs}: a day. */
const DEFAULT_STALE_MS = 24 * 3_600_000;

export interface RemoteIssuerOptions {
  /** Least time between two fetches caused by an unknown `kid`, ms. */
  refreshMs: number;
  /** Age after which the key set is fetched again, ms; the old set stays if that fails. */
  maxAgeMs: number;
  /** Timeout of each fetch, ms. */
  timeoutMs: number;
  /**
   * Age after which a key set is no longer used, ms (default {@link DEFAULT_STALE_MS}): when the
   * issuer stays unreachable that long, its tokens get 503 until a fetch succeeds. Fetching again
   * starts by then even if `maxAgeMs` is longer.
   */
  staleMs?: number;
}

type KeyLookup = ReturnType<typeof createLocalJWKSet>;

/**
 * The signing keys of another issuer (an IdentityServer, say), found by OpenID Connect Discovery
 * (§4) and cached for the isolate. Fetches happen only on a first use, when the set is older than
 * `maxAgeMs`, or when a token names an unknown `kid` — the last at most once per `refreshMs`, so a
 * key rollover at the issuer is picked up at once while a flood of made-up `kid`s costs nothing.
 * A key set keeps serving while the issuer is unreachable, up to `staleMs` after it was fetched: a
 * key the issuer has since revoked is not trusted for ever.
 */
export class RemoteIssuer {
  private keys: KeyLookup | undefined;
  private fetchedAt = 0;
  private attemptedAt = -Infinity;
  private inflight: { done: Promise<void>; startedAt: number } | undefined;
  private readonly staleMs: number;
  private readonly refetchAfterMs: number;

  constructor(
    readonly issuer: string,
    private readonly options: RemoteIssuerOptions,
  ) {
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    this.refetchAfterMs = Math.min(options.maxAgeMs, this.staleMs);
  }

  /** The key for a token's header, for jose's `jwtVerify`. */
  readonly keyFor = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const now = Date.now();
    if (!this.keys || now - this.fetchedAt >= this.refetchAfterMs) await this.refresh(now);
    if (!this.keys) throw this.unavailable('never fetched');
    if (now - this.fetchedAt >= this.staleMs) throw this.unavailable(`last fetched ${Math.round((now - this.fetchedAt) / 1000)} s ago`);
    try {
      return (await this.keys(header)) as CryptoKey;
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    }
    // An unknown kid: perhaps the issuer has rolled its keys over since the last fetch.
    await this.refresh(now);
    try {
      return (await this.keys(header)) as CryptoKey;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw new TokenRejected('unknown_key', 'the token is signed by an unknown key');
      throw error;
    }
  };

  /**
   * Fetches discovery and the key set, at most once per `refreshMs`; concurrent callers wait for the
   * fetch already under way. In workerd that fetch belongs to the request that started it: if that
   * request is cancelled, the fetch never settles. So each caller waits at most as long as the fetch
   * may take (two documents, each bounded by `timeoutMs`), and a fetch older than that is given up.
   */
  private refresh(now: number): Promise<void> {
    const longest = 2 * this.options.timeoutMs;
    if (this.inflight && now - this.inflight.startedAt < longest) {
      return this.waitAtMost(this.inflight.done, longest - (now - this.inflight.startedAt));
    }
    this.inflight = undefined;
    if (now - this.attemptedAt < this.options.refreshMs) return Promise.resolve();
    this.attemptedAt = now;
    const attempt = {
      startedAt: now,
      done: this.load()
        .then((jwks) => {
          this.keys = createLocalJWKSet(jwks);
          this.fetchedAt = Date.now();
        })
        .catch((error: unknown) => {
          log('warn', 'gateway_issuer_unavailable', { issuer: this.issuer, reason: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => {
          if (this.inflight === attempt) this.inflight = undefined;
        }),
    };
    this.inflight = attempt;
    return this.waitAtMost(attempt.done, longest);
  }

  /** 503 for this issuer's tokens (RFC 9110 §15.6.4), with Retry-After (§10.2.3) the interval until a fetch may be tried again. */
  private unavailable(keys: string): OAuthError {
    return new OAuthError('temporarily_unavailable', "the token issuer's signing keys cannot be fetched; try again shortly", {
      headers: { 'Retry-After': String(Math.ceil(this.options.refreshMs / 1000)) },
      logDetail: `keys of ${this.issuer}: ${keys}`,
    });
  }

  private waitAtMost(done: Promise<void>, ms: number): Promise<void> {
    let release!: () => void;
    const expired = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(release, ms);
    return Promise.race([done, expired]).finally(() => clearTimeout(timer));
  }

  /** Discovery, then the key set it names. */
  protected async load(): Promise<JSONWebKeySet> {
    // OpenID Connect Discovery §4: a terminating `/` of the issuer is removed before appending.
    const metadata = await this.getJson(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (metadata.issuer !== this.issuer) throw new Error(`discovery names issuer ${JSON.stringify(metadata.issuer)}`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
    const url = new URL(metadata.jwks_uri);
    if (url.protocol !== 'https:' && new URL(this.issuer).protocol === 'https:') throw new Error('jwks_uri is not https');
    const jwks = await this.getJson(url.href);
    if (!Array.isArray(jwks.keys)) throw new Error('the JWKS has no "keys" list');
    return jwks as unknown as JSONWebKeySet;
  }

  private async getJson(url: string): Promise<Record<string, unknown>> {
    const res = await fetch(url, {
      headers: { Accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`${url} answered ${res.status}`);
    }
    const body: unknown = JSON.parse(await boundedText(res, url));
    if (typeof body !== 'object' || body === null) throw new Error(`${url} is not a JSON object`);
    return body as Record<string, unknown>;
  }
}

/**
 * The body as text, read up to {@link MAX_DOCUMENT_BYTES}: a larger declared `Content-Length` is
 * refused before reading, and a body without one is cut off once it passes the limit.
 */
async function boundedText(res: Response, url: string): Promise<string> {
  const tooLarge = () => new Error(`${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  if (Number(res.headers.get('Content-Length')) > MAX_DOCUMENT_BYTES) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    bytes += chunk.value.byteLength;
    if (bytes > MAX_DOCUMENT_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text + decoder.decode();
}

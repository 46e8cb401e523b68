import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { OAuthError } from '../errors';
import { log } from './log';

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
 * A key set fetched from elsewhere and cached for the isolate: the common rules of every remote
 * JWKS. Fetches happen only on a first use, when the set is older than `maxAgeMs`, or when a JWS
 * names an unknown `kid` — the last at most once per `refreshMs`, so a key rollover is picked up at
 * once while a flood of made-up `kid`s costs nothing. A key set keeps serving while its source is
 * unreachable, up to `staleMs` after it was fetched: a key since withdrawn is not trusted for ever.
 * Subclasses say where the set comes from ({@link load}) and what its absence means ({@link unavailable}).
 */
export abstract class RemoteKeySet {
  private keys: KeyLookup | undefined;
  private fetchedAt = 0;
  private attemptedAt = -Infinity;
  private inflight: { done: Promise<void>; startedAt: number } | undefined;
  private readonly staleMs: number;
  private readonly refetchAfterMs: number;
  /** Why the last fetch failed, when it did; cleared by a successful one. */
  protected lastFailure: string | undefined;

  constructor(protected readonly options: RemoteIssuerOptions) {
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    this.refetchAfterMs = Math.min(options.maxAgeMs, this.staleMs);
  }

  /**
   * The key for a JWS header, for jose's `jwtVerify` or `compactVerify`. An unknown `kid` that a
   * refetch does not find is jose's `JWKSNoMatchingKey`; no usable key set is {@link unavailable}.
   */
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
    // An unknown kid: perhaps the keys have rolled over since the last fetch.
    await this.refresh(now);
    return (await this.keys(header)) as CryptoKey;
  };

  /** Fetches the key set. */
  protected abstract load(): Promise<JSONWebKeySet>;

  /** The error for a JWS whose keys cannot be had: `why` says how old they are, or that there are none. */
  protected abstract unavailable(why: string): Error;

  /** Called when a fetch fails; the set already held, if any, keeps serving. */
  protected fetchFailed(reason: string): void {
    this.lastFailure = reason;
  }

  /**
   * Fetches the key set, at most once per `refreshMs`; concurrent callers wait for the fetch
   * already under way. In workerd that fetch belongs to the request that started it: if that
   * request is cancelled, the fetch never settles. So each caller waits at most as long as the fetch
   * may take (at most two documents, each bounded by `timeoutMs`), and a fetch older than that is
   * given up.
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
          this.lastFailure = undefined;
        })
        .catch((error: unknown) => this.fetchFailed(error instanceof Error ? error.message : String(error)))
        .finally(() => {
          if (this.inflight === attempt) this.inflight = undefined;
        }),
    };
    this.inflight = attempt;
    return this.waitAtMost(attempt.done, longest);
  }

  private waitAtMost(done: Promise<void>, ms: number): Promise<void> {
    let release!: () => void;
    const expired = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(release, ms);
    return Promise.race([done, expired]).finally(() => clearTimeout(timer));
  }

  /** A JSON object fetched from `url`: 200 only, no redirect followed, the body bounded. */
  protected async getJson(url: string): Promise<Record<string, unknown>> {
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

  /** `document` as a key set, once it is seen to have a `keys` list. */
  protected keySet(document: Record<string, unknown>): JSONWebKeySet {
    if (!Array.isArray(document.keys)) throw new Error('the JWKS has no "keys" list');
    return document as unknown as JSONWebKeySet;
  }
}

/**
 * The signing keys of another issuer (an IdentityServer, say), found by OpenID Connect Discovery
 * (§4), under the rules of {@link RemoteKeySet}. Keys that cannot be had are `503` for its tokens;
 * an unknown `kid` is jose's error, which `fromJoseError` (./verify-token.ts) translates.
 */
export class RemoteIssuer extends RemoteKeySet {
  constructor(
    readonly issuer: string,
    options: RemoteIssuerOptions,
  ) {
    super(options);
  }

  /** 503 for this issuer's tokens (RFC 9110 §15.6.4), with Retry-After (§10.2.3) the interval until a fetch may be tried again. */
  protected override unavailable(keys: string): OAuthError {
    return new OAuthError('temporarily_unavailable', "the token issuer's signing keys cannot be fetched; try again shortly", {
      headers: { 'Retry-After': String(Math.ceil(this.options.refreshMs / 1000)) },
      logDetail: `keys of ${this.issuer}: ${keys}`,
    });
  }

  protected override fetchFailed(reason: string): void {
    super.fetchFailed(reason);
    log('warn', 'gateway_issuer_unavailable', { issuer: this.issuer, reason });
  }

  /** Discovery, then the key set it names. */
  protected override async load(): Promise<JSONWebKeySet> {
    // OpenID Connect Discovery §4: a terminating `/` of the issuer is removed before appending.
    const metadata = await this.getJson(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (metadata.issuer !== this.issuer) throw new Error(`discovery names issuer ${JSON.stringify(metadata.issuer)}`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error('discovery has no jwks_uri');
    const url = new URL(metadata.jwks_uri);
    if (url.protocol !== 'https:' && new URL(this.issuer).protocol === 'https:') throw new Error('jwks_uri is not https');
    return this.keySet(await this.getJson(url.href));
  }
}

/** Keys of a {@link KeySetAtUri} that cannot be had: never fetched, or too old to trust. */
export class KeySetUnavailable extends Error {
  override readonly name = 'KeySetUnavailable';
}

/**
 * A JWKS published at a URI (a client's `jwks_uri`, RFC 7591 §2), under the rules of
 * {@link RemoteKeySet}. Keys that cannot be had are {@link KeySetUnavailable}, saying why.
 */
export class KeySetAtUri extends RemoteKeySet {
  constructor(
    readonly uri: string,
    options: RemoteIssuerOptions,
  ) {
    super(options);
  }

  protected override async load(): Promise<JSONWebKeySet> {
    return this.keySet(await this.getJson(this.uri));
  }

  protected override unavailable(why: string): KeySetUnavailable {
    return new KeySetUnavailable(`keys at ${this.uri}: ${why}${this.lastFailure ? `; last fetch: ${this.lastFailure}` : ''}`);
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

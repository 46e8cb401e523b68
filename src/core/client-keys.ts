/**
 * Clients' public keys for `private_key_jwt` (RFC 7523): what an operator is handed — a JWK, a PEM
 * public key or an X.509 certificate — turned into the public JWK a client record keeps
 * (`jwks.keys`, src/core/records.ts). Pure functions: nothing here reads or writes storage. A
 * private or symmetric key is refused, never stored, and never quoted back in a message.
 */

import { calculateJwkThumbprint, exportJWK, importJWK, importSPKI, importX509, type JWK } from 'jose';
import { OAuthError } from '../errors';

/** The kinds of key a client may sign its assertion with, and the algorithms each signs with. */
const KINDS = [
  { kty: 'RSA', crv: undefined, members: ['n', 'e'], algs: ['RS256', 'PS256'] },
  { kty: 'EC', crv: 'P-256', members: ['crv', 'x', 'y'], algs: ['ES256'] },
  { kty: 'OKP', crv: 'Ed25519', members: ['crv', 'x'], algs: ['EdDSA'] },
] as const;

type Kind = (typeof KINDS)[number];

/** Members only a private or a symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** RSA keys shorter than this are refused (RFC 7518 §3.3 asks for 2048 bits or more). */
const MIN_RSA_BITS = 2048;

const KIND_NAMES = 'RSA, EC on P-256, or Ed25519';

function invalid(message: string): OAuthError {
  return new OAuthError('invalid_request', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a key id: 1 to 200 characters, none a control character, since it names the key in paths. */
function checkKid(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || /[\x00-\x1f\x7f]/.test(value)) {
    throw invalid('"kid" must be 1 to 200 characters without control characters');
  }
  return value;
}

/** The RFC 7638 SHA-256 thumbprint of a public JWK: the same for the same key, whatever its kid. */
export function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

/**
 * The public JWK of a key WebCrypto has imported as `kind`, or undefined when it is not one: some
 * runtimes accept a key of another kind at import and fail only at export, or export it as what
 * it is, so the exported JWK is what decides.
 */
async function exported(load: () => Promise<unknown>, kind: Kind): Promise<JWK | undefined> {
  let jwk: JWK;
  try {
    jwk = await exportJWK((await load()) as CryptoKey);
  } catch {
    return undefined;
  }
  return jwk.kty === kind.kty && jwk.crv === kind.crv ? jwk : undefined;
}

/**
 * The stored form of a key: its public members only (so extras such as `x5c` or `key_ops` are
 * dropped), then `kid` (the thumbprint unless given), and `alg` and `use` when given.
 */
async function stored(key: JWK, kind: Kind, extra: { kid?: string; alg?: string; use?: string }): Promise<JWK> {
  if (kind.kty === 'RSA' && atob(key.n!.replace(/-/g, '+').replace(/_/g, '/')).length * 8 < MIN_RSA_BITS) {
    throw invalid(`an RSA key must have at least ${MIN_RSA_BITS} bits`);
  }
  const jwk: JWK = { kty: kind.kty };
  for (const member of kind.members) jwk[member] = key[member];
  jwk.kid = extra.kid ?? (await jwkThumbprint(jwk));
  if (extra.alg !== undefined) jwk.alg = extra.alg;
  if (extra.use !== undefined) jwk.use = extra.use;
  return jwk;
}

/**
 * A client key given as a JWK: checked to be a public RSA, EC P-256 or Ed25519 signing key that
 * imports (an EC point on its curve, a modulus that parses), returned in its stored form.
 */
export async function publicJwk(value: unknown): Promise<JWK> {
  if (!isObject(value)) throw invalid('the key must be a JWK object');
  if (value.kty === 'oct') throw invalid('a symmetric key (kty "oct") cannot be a client key: it would be a shared secret; give a public key');
  const secret = PRIVATE_MEMBERS.find((m) => Object.hasOwn(value, m));
  if (secret) throw invalid(`the JWK is a private key (it has "${secret}"); give only its public part`);
  const kind = KINDS.find((k) => k.kty === value.kty);
  if (!kind) throw invalid(`"kty" must be RSA, EC or OKP; a client key is ${KIND_NAMES}`);
  if (kind.crv !== undefined && value.crv !== kind.crv) throw invalid(`an ${kind.kty} client key must have "crv" ${kind.crv}`);
  for (const m of kind.members) if (typeof value[m] !== 'string' || value[m] === '') throw invalid(`"${m}" must be a non-empty string`);
  const alg = value.alg;
  if (alg !== undefined && !(kind.algs as readonly unknown[]).includes(alg)) {
    throw invalid(`"alg" of an ${kind.kty} client key must be ${kind.algs.join(' or ')}`);
  }
  if (value.use !== undefined && value.use !== 'sig') throw invalid('"use" must be "sig"');
  const kid = value.kid === undefined ? undefined : checkKid(value.kid);
  const members = Object.fromEntries(kind.members.map((m) => [m, value[m]]));
  const jwk = await exported(() => importJWK({ kty: kind.kty, ...members }, kind.algs[0], { extractable: true }), kind);
  if (!jwk) throw invalid(`the JWK is not a valid ${kind.kty} public key`);
  return stored(jwk, kind, { kid, alg: alg as string | undefined, use: value.use as string | undefined });
}

/**
 * A client key given in PEM: a public key (`BEGIN PUBLIC KEY`, SPKI) or an X.509 certificate
 * (`BEGIN CERTIFICATE`, of which only the public key is kept; its validity dates are not checked,
 * as IdentityServer does not check them either). One block only; a text holding a private key
 * anywhere is refused.
 */
export async function publicJwkFromPem(pem: string): Promise<JWK> {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    throw invalid('this is a private key; give the public key (openssl pkey -pubout) or the certificate');
  }
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)];
  if (blocks.length !== 1) {
    throw invalid('the PEM must hold exactly one "-----BEGIN PUBLIC KEY-----" or "-----BEGIN CERTIFICATE-----" block');
  }
  const block = blocks[0]![0];
  const label = blocks[0]![1]!;
  if (label === 'RSA PUBLIC KEY') throw invalid('a PKCS#1 "RSA PUBLIC KEY" is not taken; convert it with openssl rsa -RSAPublicKey_in -pubout');
  if (label !== 'PUBLIC KEY' && label !== 'CERTIFICATE') throw invalid(`a PEM "${label}" is not taken; give a PUBLIC KEY or a CERTIFICATE`);
  const load = label === 'CERTIFICATE' ? importX509 : importSPKI;
  // WebCrypto must be told what a key is before it reads it: each kind is tried in turn, and the
  // one whose algorithm matches the key's own identifier (and, for EC, its curve) imports.
  for (const kind of KINDS) {
    const jwk = await exported(() => load(block, kind.algs[0], { extractable: true }), kind);
    if (jwk) return stored(jwk, kind, {});
  }
  throw invalid(`the ${label === 'CERTIFICATE' ? 'certificate' : 'public key'} cannot be read, or its key is not ${KIND_NAMES}`);
}

import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A DPoP key pair of a client: its private key, public JWK and thumbprint. */
export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  jkt: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

/** A DPoP proof (RFC 9449 §4.2) for a request; `claims` and `header` override or add members. */
export function dpopProof(
  key: DpopKey,
  request: { htm: string; htu: string; iat?: number },
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  alg = 'ES256',
): Promise<string> {
  return new SignJWT({ htm: request.htm, htu: request.htu, jti: crypto.randomUUID(), iat: request.iat ?? Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk: key.publicJwk, ...header } as never)
    .sign(key.privateKey);
}

/** A compact JWS from a header and claims, with any signature bytes (for proofs no library would sign). */
export function rawJws(header: object, claims: object, signature = 'c2ln'): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(claims)}.${signature}`;
}

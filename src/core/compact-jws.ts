import { base64url } from 'jose';
import type { SigningAlg } from '../settings';
import type { Signer } from './key-ring';

/** Web Crypto's signature parameters for each JWS algorithm Gatehouse signs with (RFC 7518 §3.3–3.5, RFC 8037 §3.1). */
export const SIGN_PARAMS: Record<SigningAlg, SubtleCryptoSignAlgorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

const encoder = new TextEncoder();

/** What one signer needs per signature, prepared once: its parameters and encoded protected header. */
interface Prepared {
  params: SubtleCryptoSignAlgorithm;
  /** base64url of the protected header, then `.` (RFC 7515 §7.1). */
  headerPrefix: string;
}

// Per imported key and `typ`: a key is imported once per isolate (src/core/key-ring.ts), so this
// holds a few entries at most, and goes with its key.
const prepared = new WeakMap<CryptoKey, Map<string, Prepared>>();

function prepare(signer: Signer, typ: string): Prepared {
  let byType = prepared.get(signer.key);
  if (!byType) prepared.set(signer.key, (byType = new Map()));
  let p = byType.get(typ);
  if (!p) {
    const header = JSON.stringify({ alg: signer.alg, kid: signer.kid, typ });
    p = { params: SIGN_PARAMS[signer.alg], headerPrefix: `${base64url.encode(header)}.` };
    byType.set(typ, p);
  }
  return p;
}

/**
 * A JWS in compact serialisation (RFC 7515 §7.1) of a JSON claims set, with the protected header
 * `{alg, kid, typ}`: the header is encoded once per key, and the one Web Crypto signature (the
 * raw `r‖s` of ECDSA is the JWS form, RFC 7518 §3.4) is the only other work. For a JWT signed on
 * every request, where jose's general SignJWT would check and encode its header each time.
 */
export async function signCompactJws(signer: Signer, typ: string, claims: object): Promise<string> {
  const { params, headerPrefix } = prepare(signer, typ);
  const signingInput = `${headerPrefix}${base64url.encode(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign(params, signer.key, encoder.encode(signingInput));
  return `${signingInput}.${base64url.encode(new Uint8Array(signature))}`;
}

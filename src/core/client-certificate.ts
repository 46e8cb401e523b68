import { base64url } from 'jose';
import { fromBase64 } from './encoding';
import { subjectAltNames, type SubjectAltNames } from './x509';

/**
 * The certificate a client presented in the TLS handshake, as Cloudflare's edge reports it in
 * `request.cf.tlsClientAuth` once client certificates (mTLS) are on for the hostname (docs/mtls.md).
 * Cloudflare has checked possession of the private key in the handshake; the chain check is its
 * `certVerified`, which Gatehouse reads but never redoes.
 */
export interface ClientCertificate {
  /** `certVerified`: `SUCCESS`, or `FAILED:` and OpenSSL's reason (`FAILED:self signed certificate`). */
  verified: string;
  /** `certRevoked` is "1": the certificate is on a revocation list Cloudflare holds. */
  revoked: boolean;
  /** `certSubjectDNRFC2253`: the subject as RFC 4514 (RFC 2253) prints it, `CN=a,O=b,C=US`. */
  subjectDn: string;
  /**
   * RFC 8705 §3.1 `x5t#S256`: base64url of the SHA-256 of the DER certificate from `certRFC9440`.
   * Undefined when Cloudflare left the DER out (`certRFC9440TooLarge`, over 10 KiB) or it is not a
   * byte sequence: then the certificate can neither authenticate by thumbprint nor bind a token.
   * Never taken from `certFingerprintSHA256`, a hex string about which only the edge can be asked.
   */
  thumbprint: string | undefined;
  /** The subject alternative names of the DER (RFC 5280 §4.2.1.6), read once. */
  altNames: SubjectAltNames;
}

/** The fields of `request.cf.tlsClientAuth` Gatehouse reads (all strings on Cloudflare). */
interface TlsClientAuth {
  certPresented?: unknown;
  certVerified?: unknown;
  certRevoked?: unknown;
  certSubjectDNRFC2253?: unknown;
  certRFC9440?: unknown;
}

// RFC 9440 §2.2: Client-Cert is an RFC 8941 §3.3.5 byte sequence, base64 between colons.
const BYTE_SEQUENCE = /^:([A-Za-z0-9+/]*={0,2}):$/;

/** The DER of an RFC 9440 Client-Cert value, or undefined. */
export function derFromRfc9440(value: string): Uint8Array | undefined {
  const match = BYTE_SEQUENCE.exec(value);
  if (!match || match[1] === '') return undefined;
  return fromBase64(match[1]!);
}

/** RFC 8705 §3.1: base64url of the SHA-256 of the DER. */
export async function certificateThumbprint(der: Uint8Array): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', der)));
}

async function read(request: Request): Promise<ClientCertificate | undefined> {
  const auth = (request.cf as { tlsClientAuth?: TlsClientAuth } | undefined)?.tlsClientAuth;
  if (!auth || auth.certPresented !== '1') return undefined;
  const der = typeof auth.certRFC9440 === 'string' ? derFromRfc9440(auth.certRFC9440) : undefined;
  return {
    verified: typeof auth.certVerified === 'string' ? auth.certVerified : 'FAILED',
    revoked: auth.certRevoked === '1',
    subjectDn: typeof auth.certSubjectDNRFC2253 === 'string' ? auth.certSubjectDNRFC2253 : '',
    thumbprint: der ? await certificateThumbprint(der) : undefined,
    altNames: der ? subjectAltNames(der) : { dns: [], uri: [], ip: [], email: [] },
  };
}

// One reading per request: client authentication and token binding at the token endpoint both
// need it, and the digest is then done once.
const readings = new WeakMap<Request, Promise<ClientCertificate | undefined>>();

/** The request's client certificate, or undefined when none was presented; read once per request. */
export function clientCertificate(request: Request): Promise<ClientCertificate | undefined> {
  let reading = readings.get(request);
  if (!reading) readings.set(request, (reading = read(request)));
  return reading;
}

/** Whether the request's TLS handshake carried a client certificate: no parsing, no digest. */
export function certificatePresented(request: Request): boolean {
  return (request.cf as { tlsClientAuth?: TlsClientAuth } | undefined)?.tlsClientAuth?.certPresented === '1';
}

/**
 * The `x5t#S256` a certificate-bound token presented with this request must carry (RFC 8705 §3),
 * for `TokenPolicy.certificateThumbprint`: undefined without a certificate (no digest then) or with
 * a revoked one, which binds nothing.
 */
export async function presentedThumbprint(request: Request): Promise<string | undefined> {
  if (!certificatePresented(request)) return undefined;
  const certificate = await clientCertificate(request);
  return certificate?.revoked ? undefined : certificate?.thumbprint;
}

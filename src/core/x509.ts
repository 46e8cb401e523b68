/**
 * The little of X.509 (RFC 5280) that client authentication needs and Cloudflare does not hand over
 * parsed: the subject alternative names of a DER certificate. A strict DER reader of definite
 * lengths; anything it cannot read is "no names", never a guess.
 */

/** The subject alternative names RFC 8705 §2.1.2 can register, by kind. */
export interface SubjectAltNames {
  dns: string[];
  uri: string[];
  /** Canonical text: dotted decimal for IPv4, RFC 5952 for IPv6 (see {@link canonicalIp}). */
  ip: string[];
  email: string[];
}

interface Element {
  tag: number;
  /** Offset of the contents. */
  start: number;
  /** Offset just past the contents. */
  end: number;
}

/** Reads the element at `offset` of `der`, within `limit`; throws on anything malformed. */
function element(der: Uint8Array, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new Error('truncated');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    // DER: the long form only for 128 or more, at most 4 bytes here (a certificate is far smaller).
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new Error('bad length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > limit) throw new Error('truncated');
  return { tag, start, end: start + length };
}

/** The elements inside a constructed element. */
function children(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = element(der, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3; // [3] EXPLICIT in TBSCertificate (RFC 5280 §4.1)
const OID = 0x06;
// id-ce-subjectAltName, 2.5.29.17 (RFC 5280 §4.2.1.6): the contents of its DER OID.
const SAN_OID = [0x55, 0x1d, 0x11];

const ascii = (der: Uint8Array, e: Element) => String.fromCharCode(...der.subarray(e.start, e.end));

/** An IP address as text that compares equal for equal addresses: the WHATWG URL host serializer's. */
export function canonicalIp(text: string): string | undefined {
  const v6 = text.includes(':');
  try {
    const host = new URL(`http://${v6 ? `[${text}]` : text}/`).hostname;
    if (v6) return host.slice(1, -1);
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) && host === text ? host : undefined;
  } catch {
    return undefined;
  }
}

function ipText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalIp(groups.join(':'));
}

/**
 * The subject alternative names of a DER certificate (RFC 5280 §4.2.1.6 GeneralNames): rfc822Name
 * [1], dNSName [2], uniformResourceIdentifier [6] and iPAddress [7]. Empty lists when the
 * certificate has none or cannot be read.
 */
export function subjectAltNames(der: Uint8Array): SubjectAltNames {
  const names: SubjectAltNames = { dns: [], uri: [], ip: [], email: [] };
  try {
    const certificate = element(der, 0, der.length);
    const tbs = children(der, certificate)[0];
    if (certificate.tag !== SEQUENCE || tbs?.tag !== SEQUENCE) return names;
    const extensions = children(der, tbs).find((e) => e.tag === EXTENSIONS);
    if (!extensions) return names;
    const list = children(der, extensions)[0];
    if (list?.tag !== SEQUENCE) return names;
    for (const extension of children(der, list)) {
      const parts = children(der, extension);
      const oid = parts[0];
      const isSan = oid?.tag === OID && oid.end - oid.start === SAN_OID.length && SAN_OID.every((byte, i) => der[oid.start + i] === byte);
      if (!isSan) continue;
      // extnValue is the last member (critical, a BOOLEAN, may come between).
      const value = parts[parts.length - 1]!;
      if (value.tag !== OCTET_STRING) return names;
      const generalNames = element(der, value.start, value.end);
      for (const name of children(der, generalNames)) {
        if (name.tag === 0x81) names.email.push(ascii(der, name));
        else if (name.tag === 0x82) names.dns.push(ascii(der, name));
        else if (name.tag === 0x86) names.uri.push(ascii(der, name));
        else if (name.tag === 0x87) {
          const ip = ipText(der.subarray(name.start, name.end));
          if (ip) names.ip.push(ip);
        }
      }
      return names;
    }
  } catch {
    return { dns: [], uri: [], ip: [], email: [] };
  }
  return names;
}

/** Names of the headers the gateway sets for the origin (docs/origin-trust.md). */
export const ASSERTION_HEADER = 'Gatehouse-Assertion';
export const CLIENT_ID_HEADER = 'X-Gatehouse-Client-Id';
export const SCOPE_HEADER = 'X-Gatehouse-Scope';
export const ISSUER_HEADER = 'X-Gatehouse-Issuer';

/** Hop-by-hop headers (RFC 9110 §7.6.1), meaningful for one connection only. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * Headers a caller could set to speak for someone else, or to make the origin see another host,
 * path or method than the gateway checked. Conventions of common proxies, platforms and frameworks:
 * oauth2-proxy, Kong, Istio and Envoy, Google ESP and IAP, Azure EasyAuth, AWS ALB, Cloudflare
 * Access, Traefik, nginx, Akamai, IIS.
 */
const SPOOFABLE = [
  'host',
  'gatehouse-assertion',
  'forwarded',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-for',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-forwarded-server',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-original-host',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-preferred-username',
  'x-forwarded-groups',
  'x-forwarded-access-token',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-client-id',
  'x-client-name',
  'x-user',
  'x-user-id',
  'x-user-email',
  'x-remote-user',
  'remote-user',
  'x-authenticated-user',
  'x-authenticated-userid',
  'x-authenticated-scope',
  'x-credential-identifier',
  'x-userinfo',
  'x-jwt-payload',
  'x-endpoint-api-userinfo',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
];
const SPOOFABLE_PREFIXES = /^(?:x-gatehouse-|x-auth-request-|x-consumer-|x-ms-client-principal|x-amzn-oidc-|cf-access-|x-envoy-|x-goog-iap-|x-goog-authenticated-user-)/;

const DROPPED = new Set([...HOP_BY_HOP, ...SPOOFABLE]);

/**
 * The headers to send to the origin: the caller's, less hop-by-hop headers (and any the caller's
 * `Connection` names), less every identity or routing header a caller could forge, less
 * `Authorization` unless the route forwards it. The gateway then adds its own.
 */
export function originRequestHeaders(incoming: Headers, forwardAuthorization: boolean): Headers {
  const connection = incoming.get('connection');
  const named = connection ? connection.toLowerCase().split(',').map((s) => s.trim()) : [];
  // One copy in the runtime, then deletions: a request usually carries few headers to drop.
  const out = new Headers(incoming);
  for (const name of incoming.keys()) {
    if (DROPPED.has(name) || SPOOFABLE_PREFIXES.test(name) || (name === 'authorization' && !forwardAuthorization) || named.includes(name)) {
      out.delete(name);
    }
  }
  return out;
}

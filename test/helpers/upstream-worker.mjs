// The outside world of the gateway tests: every fetch the Worker under test makes lands here
// (miniflare `outboundService`). Hosts:
//   origin.test         an origin API that echoes what it received, and records each `probe` query
//   *.idp.test          OpenID issuers serving discovery and a JWKS the tests set
//   *.cloudflareaccess.com  Cloudflare Access teams serving /cdn-cgi/access/certs (set like an issuer)
//   client-keys.test    clients' jwks_uri: each path serves the key set a test sets, and counts fetches
//   control.test        the tests' side door: set a JWKS, take an issuer down, read counters
const probes = new Set();
const issuers = new Map(); // host -> { jwks, down, discovery, jwksHits }
const clientKeySets = new Map(); // path -> { jwks, status, hits }
let streamGate = false;
let firstChunkSeen = false;

function issuer(host) {
  let state = issuers.get(host);
  if (!state) issuers.set(host, (state = { jwks: { keys: [] }, down: false, discoveryHits: 0, jwksHits: 0 }));
  return state;
}

async function origin(request, url) {
  const probe = url.searchParams.get('probe');
  if (probe) probes.add(probe);
  if (url.pathname.endsWith('/status/418')) {
    return new Response('short and stout', {
      status: 418,
      headers: { 'Content-Type': 'text/plain', 'X-Origin-Header': 'kept', 'Set-Cookie': 'a=1; Path=/', 'Cache-Control': 'private, max-age=7' },
    });
  }
  if (url.pathname.endsWith('/redirect')) return new Response(null, { status: 302, headers: { Location: 'https://elsewhere.test/' } });
  if (url.pathname.endsWith('/slow-stream')) {
    // Sends one chunk, then the second only once the test says so: a gateway that buffered the
    // response would never deliver the first.
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const enc = new TextEncoder();
    streamGate = false;
    (async () => {
      await writer.write(enc.encode('first;'));
      for (let i = 0; i < 200 && !streamGate; i++) await new Promise((r) => setTimeout(r, 10));
      await writer.write(enc.encode(streamGate ? 'second' : 'timeout'));
      await writer.close();
    })();
    return new Response(readable, { headers: { 'Content-Type': 'text/plain' } });
  }
  if (url.pathname.endsWith('/stream-in')) {
    // Reads the request body as it comes, and says when the first chunk has arrived: the test sends
    // its second chunk only after that, so a gateway that buffered the body would never finish.
    firstChunkSeen = false;
    const reader = request.body.getReader();
    let text = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      firstChunkSeen = true;
      text += new TextDecoder().decode(r.value);
    }
    return new Response(text);
  }
  const body = request.body ? await request.text() : null;
  return Response.json({
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    body,
  }, { headers: { 'X-Origin': 'echo' } });
}

async function idp(request, url) {
  const state = issuer(url.host);
  // An issuer named `slash.idp.test` names itself with a trailing slash, as Auth0 does.
  const iss = url.host.startsWith('slash.') ? `https://${url.host}/` : `https://${url.host}`;
  // A slow issuer answers after `delayMs`: longer than the gateway waits, in the tests that set it.
  if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
  if (url.pathname === '/.well-known/openid-configuration') {
    state.discoveryHits++;
    if (state.down) return new Response('unavailable', { status: 503 });
    return Response.json({ issuer: iss, jwks_uri: `https://${url.host}/jwks` });
  }
  if (url.pathname === '/jwks') {
    state.jwksHits++;
    if (state.down) return new Response('unavailable', { status: 503 });
    return Response.json(state.jwks);
  }
  return new Response('not found', { status: 404 });
}

function clientKeySet(path) {
  let state = clientKeySets.get(path);
  if (!state) clientKeySets.set(path, (state = { jwks: { keys: [] }, status: 200, hits: 0 }));
  return state;
}

function clientKeys(url) {
  const state = clientKeySet(url.pathname);
  state.hits++;
  if (state.status !== 200) return new Response('unavailable', { status: state.status });
  return Response.json(state.jwks);
}

async function control(request, url) {
  const [, what, arg] = url.pathname.split('/');
  if (what === 'probe') return Response.json({ seen: probes.has(arg) });
  if (what === 'first-chunk-seen') return Response.json({ seen: firstChunkSeen });
  if (what === 'release-stream') {
    streamGate = true;
    return new Response('ok');
  }
  if (what === 'issuer') {
    const state = issuer(arg);
    if (request.method === 'POST') Object.assign(state, await request.json());
    return Response.json({ discoveryHits: state.discoveryHits, jwksHits: state.jwksHits, down: state.down });
  }
  if (what === 'client-keys') {
    const state = clientKeySet(`/${arg}`);
    if (request.method === 'POST') Object.assign(state, await request.json());
    return Response.json({ hits: state.hits, status: state.status });
  }
  return new Response('unknown control', { status: 404 });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.hostname === 'origin.test') return origin(request, url);
    if (url.hostname === 'unreachable.test') throw new Error('connection refused');
    if (url.hostname.endsWith('.idp.test')) return idp(request, url);
    if (url.hostname === 'client-keys.test') return clientKeys(url);
    if (url.hostname.endsWith('.cloudflareaccess.com') && url.pathname === '/cdn-cgi/access/certs') {
      const state = issuer(url.host);
      state.jwksHits++;
      return Response.json(state.jwks);
    }
    if (url.hostname === 'control.test') return control(request, url);
    return new Response(`no such host ${url.hostname}`, { status: 502 });
  },
};

#!/usr/bin/env node
// `npm run bench`: serves the bundled Worker through Miniflare, loads it from a separate process
// and prints one table (Markdown, for the README's "Performance" section). Every figure comes
// from the same run, so the ratios hold on a noisy machine; absolute rates depend on the machine.
// Beside Gatehouse it serves, for comparison: node-oidc-provider (token endpoint), a Node.js
// gateway built from fastify, @fastify/reply-from and jose (bench/node-gateway.mjs), and the same
// bundles under bare `workerd serve`, without Miniflare (the runtime's own floor).
//
// Settings (environment): BENCH_SECONDS per measured scenario (default 2), BENCH_ROUNDS of every
// scenario, interleaved (default 5: the median of five survives two disturbed rounds, and the
// spread of five shows what a difference is worth), BENCH_CONNECTIONS (default 10), BENCH_PORT,
// the first of the loopback ports used (default 18400; the run uses about 20 from there).
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { buildAll } from './lib/build.mjs';
import { cannon, HAS_TASKSET, pinServerSide } from './lib/cannon.mjs';
import { marginalUs, median, rawCostUs } from './lib/measure.mjs';
import {
  BENCH_KEK,
  gatewayRoutes,
  startBareWorkerd,
  startGatehouse,
  startNodeGateway,
  startOidcProvider,
  startOrigin,
  startPassThrough,
} from './lib/servers.mjs';
import { formatTable } from './lib/table.mjs';

// Server side (workerd and the origin) on core 0, the load generator on core 1.
pinServerSide();

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const BASE_PORT = Number(process.env.BENCH_PORT ?? 18400);
const started = Date.now();
const say = (text) => process.stderr.write(`${text}\n`);

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const tokenBody = (clientId = 'client', scope = 'api1') =>
  `grant_type=client_credentials&client_id=${clientId}&client_secret=secret${scope ? `&scope=${scope}` : ''}`;

// The client `signer` authenticates with private_key_jwt (RFC 7523): an ES256 key pair of this
// run, the public half in its client record, the private half with the load generator.
const SIGNER = { clientId: 'signer', alg: 'ES256', kid: 'bench-signer' };
const signerKeys = await generateKeyPair(SIGNER.alg, { extractable: true });
const signerPublicJwk = { ...(await exportJWK(signerKeys.publicKey)), kid: SIGNER.kid, alg: SIGNER.alg, use: 'sig' };
const signerPrivateJwk = { ...(await exportJWK(signerKeys.privateKey)), kid: SIGNER.kid, alg: SIGNER.alg };
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const signerBody = `grant_type=client_credentials&scope=api1&client_assertion_type=${encodeURIComponent(JWT_BEARER)}`;
// Each assertion's jti is accepted once, so the load generator signs one per request beforehand
// (about 110 µs each in Node.js, on its own core, before the warm-up): enough for the warm-up (1 s)
// and the measured seconds at ASSERTION_RATE requests/s. This scenario ran at 485/s on a two-core
// machine where the plain ES256 token ran at 1,089/s (and 2,046/s in a quieter run), so 3,000/s
// leaves a margin of about 3× even on a machine twice as fast. The load generator fails, naming
// the cause, if it runs out: an assertion sent twice would be refused.
const ASSERTION_RATE = 3000;

// DPoP (RFC 9449): the client's proof key, an ES256 key pair of this run. Each proof's jti is
// accepted once, so the load generator signs one proof per request beforehand, as it does the
// client assertions; the gateway rows with DPoP ran at 1,000-1,500/s on the two-core machine.
const DPOP_ALG = 'ES256';
const dpopKeys = await generateKeyPair(DPOP_ALG, { extractable: true });
const dpopPublicJwk = await exportJWK(dpopKeys.publicKey);
const dpopPrivateJwk = await exportJWK(dpopKeys.privateKey);
const PROOF_RATE = 4000;

/** One DPoP proof for `htm` `htu` (with `ath` of `accessToken` when given), as the load generator signs them. */
function dpopProof(htm, htu, accessToken) {
  const ath = accessToken === undefined ? {} : { ath: createHash('sha256').update(accessToken).digest('base64url') };
  return new SignJWT({ htm, htu, ...ath })
    .setProtectedHeader({ alg: DPOP_ALG, typ: 'dpop+jwt', jwk: dpopPublicJwk })
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .sign(dpopKeys.privateKey);
}

/** What the load generator needs to sign a proof for every request to `htu`. */
const dpopLoad = (htm, htu, accessToken) => ({
  privateJwk: dpopPrivateJwk,
  publicJwk: dpopPublicJwk,
  alg: DPOP_ALG,
  htm,
  htu,
  accessToken,
  count: Math.ceil((1 + SECONDS) * PROOF_RATE),
});

say('building the Worker (wrangler deploy --dry-run), the probe Worker and the seeding helper…');
const build = await buildAll(root, join(root, 'dist', 'bench'));

const instances = [];
let port = BASE_PORT;

async function gatehouse(alg, { routes, settings = {}, ...seedOptions }) {
  const entries = await build.seed.benchEntries({ kek: BENCH_KEK, alg, ...seedOptions });
  const instance = await startGatehouse({ build, port: port++, entries, bindings: { TOKEN_SIGNING_ALG: alg, GATEWAY_ROUTES: routes, ...settings } });
  instances.push(instance);
  instance.token = JSON.parse(await expectOk(`${instance.url}/connect/token`, { method: 'POST', headers: FORM, body: tokenBody() })).access_token;
  return instance;
}

/** A DPoP-bound access token of `instance` (token_type DPoP, cnf.jkt of this run's proof key). */
async function dpopBoundToken(instance) {
  const url = `${instance.url}/connect/token`;
  const answer = JSON.parse(await expectOk(url, { method: 'POST', headers: { ...FORM, dpop: await dpopProof('POST', url) }, body: tokenBody() }));
  if (answer.token_type !== 'DPoP') throw new Error(`a token request with a DPoP proof got token_type ${answer.token_type}`);
  return answer.access_token;
}

async function expectOk(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text}`);
  return text;
}

const token = (instance, body = tokenBody(), rawOp = undefined) => ({
  pid: instance.pid,
  rawOp,
  load: { url: `${instance.url}/connect/token`, method: 'POST', headers: FORM, body },
});
const get = (instance, path, headers) => ({ pid: instance.pid, load: { url: `${instance.url}${path}`, headers } });
const oidcToken = (provider) => ({ pid: provider.pid, load: { url: `${provider.url}/token`, method: 'POST', headers: FORM, body: tokenBody() } });
const gateway = (instance, rawOp = undefined) => ({ ...get(instance, '/api/resource', { authorization: `Bearer ${instance.token}` }), rawOp });
// Authorization: DPoP with the instance's bound token, and a fresh proof with ath for each request.
const dpopGateway = (instance, path = '/api/resource') => ({
  ...get(instance, path, { authorization: `DPoP ${instance.dpopToken}` }),
  dpop: dpopLoad('GET', `${instance.url}${path}`, instance.dpopToken),
});

try {
  say('starting Miniflare instances and the origin…');
  const origin = await startOrigin(port++);
  const oneRoute = gatewayRoutes(origin.url);
  const rs = await gatehouse('RS256', { routes: oneRoute });
  // /global: the /api route with the global DPoP replay check (one Durable Object round trip per request).
  const withGlobalReplay = JSON.stringify([...JSON.parse(oneRoute), { prefix: '/global', origin: origin.url, audience: 'api1', scopes: ['api1'], dpopReplay: 'global' }]);
  const es = await gatehouse('ES256', { routes: withGlobalReplay, wideScopes: 50, signerJwk: signerPublicJwk });
  const ed = await gatehouse('EdDSA', { routes: oneRoute });
  const many = await gatehouse('ES256', { routes: gatewayRoutes(origin.url, 500), extraClients: 10_000 });
  const quiet = await gatehouse('ES256', { routes: oneRoute, settings: { LOG_LEVEL: 'warn' } });
  const rsEvery = await gatehouse('RS256', { routes: oneRoute, settings: { GATEWAY_TOKEN_CACHE_SIZE: '0' } });
  const esEvery = await gatehouse('ES256', { routes: oneRoute, settings: { GATEWAY_TOKEN_CACHE_SIZE: '0' } });
  const edEvery = await gatehouse('EdDSA', { routes: oneRoute, settings: { GATEWAY_TOKEN_CACHE_SIZE: '0' } });
  for (const g of [es, esEvery]) g.dpopToken = await dpopBoundToken(g);
  const pass = await startPassThrough({ build, port: port++, origin: origin.url });
  instances.push(pass);
  // The Node.js OAuth server compared with, one process per algorithm.
  const oidc = {};
  for (const alg of ['RS256', 'ES256', 'EdDSA']) instances.push((oidc[alg] = await startOidcProvider({ port: port++, alg })));
  // The Node.js gateway compared with, accepting the tokens of `es` against its JWKS, held locally.
  const jwks = JSON.parse(await expectOk(`${es.url}/.well-known/openid-configuration/jwks`));
  const nodeGateway = await startNodeGateway({ port: port++, origin: origin.url, jwks, issuers: [es.url], algorithms: ['ES256'] });
  instances.push(nodeGateway);
  // The same bundles under bare workerd, without Miniflare: Gatehouse (ES256, every request
  // verified) on one port, the probe Worker on the next.
  const bare = await startBareWorkerd({
    build,
    port,
    origin: origin.url,
    entries: await build.seed.benchEntries({ kek: BENCH_KEK, alg: 'ES256' }),
    bindings: { TOKEN_SIGNING_ALG: 'ES256', GATEWAY_ROUTES: oneRoute, GATEWAY_TOKEN_CACHE_SIZE: '0' },
  });
  port += 2;
  instances.push(bare);
  bare.token = JSON.parse(await expectOk(`${bare.url}/connect/token`, { method: 'POST', headers: FORM, body: tokenBody() })).access_token;
  // The probe Worker of bare workerd, reached over HTTP where Miniflare's is reached through its API.
  bare.probe = { fetch: (url) => fetch(url.replace('http://probe', bare.probeUrl)) };

  // Every scenario must succeed before it is timed: a benchmark of error responses proves nothing.
  await expectOk(`${es.url}/connect/token`, { method: 'POST', headers: FORM, body: tokenBody('wide', '') });
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: SIGNER.alg, kid: SIGNER.kid })
    .setIssuer(SIGNER.clientId)
    .setSubject(SIGNER.clientId)
    .setAudience(es.url)
    .setIssuedAt(now)
    .setExpirationTime(now + 240)
    .setJti(crypto.randomUUID())
    .sign(signerKeys.privateKey);
  await expectOk(`${es.url}/connect/token`, { method: 'POST', headers: FORM, body: `${signerBody}&client_assertion=${assertion}` });
  for (const o of Object.values(oidc)) {
    const { url, ...init } = oidcToken(o).load;
    await expectOk(url, init);
  }
  for (const g of [rs, es, ed, many, rsEvery, esEvery, edEvery, bare]) await expectOk(`${g.url}/api/resource`, { headers: { authorization: `Bearer ${g.token}` } });
  for (const g of [es, esEvery]) {
    const url = `${g.url}/api/resource`;
    await expectOk(url, { headers: { authorization: `DPoP ${g.dpopToken}`, dpop: await dpopProof('GET', url, g.dpopToken) } });
  }
  await expectOk(`${es.url}/global/resource`, { headers: { authorization: `DPoP ${es.dpopToken}`, dpop: await dpopProof('GET', `${es.url}/global/resource`, es.dpopToken) } });
  await expectOk(`${es.url}/connect/token`, { method: 'POST', headers: { ...FORM, dpop: await dpopProof('POST', `${es.url}/connect/token`) }, body: tokenBody() });
  await expectOk(`${pass.url}/__assert/api/resource`);
  await expectOk(`${nodeGateway.url}/open/resource`);
  for (const path of ['/api/resource', '/cached/api/resource']) {
    await expectOk(`${nodeGateway.url}${path}`, { headers: { authorization: `Bearer ${es.token}` } });
  }
  await expectOk(`${bare.probeUrl}/api/resource`);

  // The raw jose operation a scenario is held against is measured in every round, just before the
  // scenario and in the same workerd, so that a ratio compares figures taken moments apart: the
  // speed of a shared machine drifts over a run by more than the differences being measured.
  const rawOps = {
    'sign RS256': { inst: rs, op: 'sign', alg: 'RS256', n: 300 },
    'sign ES256': { inst: es, op: 'sign', alg: 'ES256', n: 4000 },
    'sign EdDSA': { inst: ed, op: 'sign', alg: 'EdDSA', n: 4000 },
    'verify RS256': { inst: rs, op: 'verify', alg: 'RS256', n: 4000 },
    'verify ES256': { inst: es, op: 'verify', alg: 'ES256', n: 3000 },
    'verify EdDSA': { inst: ed, op: 'verify', alg: 'EdDSA', n: 3000 },
    'verify ES256 (bare workerd)': { inst: bare, op: 'verify', alg: 'ES256', n: 3000 },
  };
  const raw = Object.fromEntries(Object.keys(rawOps).map((k) => [k, []]));
  const measureRaw = async (name) => {
    const { inst, op, alg, n } = rawOps[name];
    const us = await rawCostUs(inst.probe, op, alg, n, inst.pid, 3);
    raw[name].push(us);
    return us;
  };

  const scenarios = {
    trivial: get(rs, '/healthz'),
    rs256: token(rs, tokenBody(), 'sign RS256'),
    es256: token(es, tokenBody(), 'sign ES256'),
    eddsa: token(ed, tokenBody(), 'sign EdDSA'),
    es256Many: token(many),
    es256Wide: token(es, tokenBody('wide', '')),
    es256Jwt: {
      ...token(es, signerBody),
      clientAssertion: {
        ...SIGNER,
        privateJwk: signerPrivateJwk,
        audience: es.url,
        body: signerBody,
        count: Math.ceil((1 + SECONDS) * ASSERTION_RATE),
      },
    },
    es256Quiet: token(quiet, tokenBody(), 'sign ES256'),
    discovery: get(rs, '/.well-known/openid-configuration'),
    jwks: get(rs, '/.well-known/openid-configuration/jwks'),
    origin: { pid: process.pid, load: { url: `${origin.url}/api/resource` } },
    pass: get(pass, '/api/resource'),
    probeEmpty: get(pass, '/__probe/empty'),
    probeLog: get(pass, '/__probe/log'),
    probeForm: { pid: pass.pid, load: { url: `${pass.url}/__probe/form`, method: 'POST', headers: FORM, body: tokenBody() } },
    open: get(es, '/open/resource'),
    gwRs: gateway(rs, 'verify RS256'),
    gwEs: gateway(es, 'verify ES256'),
    gwMany: gateway(many),
    oidcJwks: { pid: oidc.ES256.pid, load: { url: `${oidc.ES256.url}/jwks` } },
    oidcRS256: oidcToken(oidc.RS256),
    oidcES256: oidcToken(oidc.ES256),
    oidcEdDSA: oidcToken(oidc.EdDSA),
    gwRsEvery: gateway(rsEvery, 'verify RS256'),
    gwEsEvery: gateway(esEvery, 'verify ES256'),
    gwEd: gateway(ed, 'verify EdDSA'),
    gwEdEvery: gateway(edEvery, 'verify EdDSA'),
    gwEsDpop: dpopGateway(es),
    gwEsEveryDpop: dpopGateway(esEvery),
    gwEsDpopGlobal: dpopGateway(es, '/global/resource'),
    es256Dpop: { ...token(es), dpop: dpopLoad('POST', `${es.url}/connect/token`) },
    passAssert: { ...get(pass, '/__assert/api/resource'), rawOp: 'sign ES256' },
    nodePass: get(nodeGateway, '/open/resource'),
    nodeEvery: get(nodeGateway, '/api/resource', { authorization: `Bearer ${es.token}` }),
    nodeCached: get(nodeGateway, '/cached/api/resource', { authorization: `Bearer ${es.token}` }),
    bareTrivial: get(bare, '/healthz'),
    barePass: { pid: bare.pid, load: { url: `${bare.probeUrl}/api/resource` } },
    bareGwEsEvery: gateway(bare, 'verify ES256 (bare workerd)'),
  };

  say(`load: ${ROUNDS} interleaved rounds, ${SECONDS} s per scenario after a 1 s warm-up, ${CONNECTIONS} connections`);
  const results = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, { pid, load, rawOp, clientAssertion, dpop }] of Object.entries(scenarios)) {
      say(`  round ${round + 1}: ${key}`);
      const rawUs = rawOp ? await measureRaw(rawOp) : undefined;
      const result = await cannon({ connections: CONNECTIONS, duration: SECONDS, serverPid: pid, ...load, clientAssertion, dpop });
      if (result.assertions) say(`    client assertions: ${result.assertions.used} used of ${result.assertions.signed} signed`);
      if (result.proofs) say(`    DPoP proofs: ${result.proofs.used} used of ${result.proofs.signed} signed`);
      const failed = result.total - result.status['2xx'] + result.errors + result.timeouts;
      if (failed > 0) throw new Error(`${key}: ${failed} requests failed: ${JSON.stringify(result)}`);
      results[key].push({ ...result, rawUs });
    }
  }

  // Per round, the endpoint against the trivial route of the same round; then the median.
  const summary = (key, baseKey = 'trivial') => {
    const runs = results[key];
    const trivial = results[baseKey];
    const marginals = runs.map((r, i) => marginalUs(r.rate, trivial[i].rate));
    const marginalCpus = runs.map((r, i) => r.cpuUs - trivial[i].cpuUs);
    const withRaw = runs[0].rawUs !== undefined;
    return {
      rate: median(runs.map((r) => r.rate)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpu: median(runs.map((r) => r.cpuUs)),
      marginal: median(marginals),
      marginalCpu: median(marginalCpus),
      // The spread of the rounds: a marginal that moves more than its own size is noise.
      marginalRange: [Math.min(...marginals), Math.max(...marginals)],
      marginalCpuRange: [Math.min(...marginalCpus), Math.max(...marginalCpus)],
      // Ratios per round (against the raw cost measured just before), then the median.
      ...(withRaw && {
        referenceUs: median(runs.map((r) => r.rawUs)),
        ratios: { wall: median(runs.map((r, i) => marginals[i] / r.rawUs)), cpu: median(runs.map((r, i) => marginalCpus[i] / r.rawUs)) },
      }),
    };
  };
  const s = Object.fromEntries(Object.keys(scenarios).map((k) => [k, summary(k)]));
  // The gateway's own cost: over the plain pass-through route to the same origin.
  const overPass = Object.fromEntries(
    ['open', 'gwRs', 'gwEs', 'gwEd', 'gwMany', 'gwRsEvery', 'gwEsEvery', 'gwEdEvery', 'gwEsDpop', 'gwEsEveryDpop', 'gwEsDpopGlobal', 'passAssert'].map((k) => [k, summary(k, 'pass')]),
  );
  // The Node.js gateway's own work: over its own pass-through route.
  const nodeOver = Object.fromEntries(['nodeEvery', 'nodeCached'].map((k) => [k, summary(k, 'nodePass')]));
  // Bare workerd: its pass-through over its trivial route, its gateway over its pass-through.
  const bareOver = { barePass: summary('barePass', 'bareTrivial'), bareGwEsEvery: summary('bareGwEsEvery', 'barePass') };
  // What the runtime charges a request for writing one log line, apart from Gatehouse's code.
  const logLine = summary('probeLog', 'probeEmpty');
  // node-oidc-provider's tokens, over its own cheapest route (the JWKS) as Gatehouse's are over /healthz.
  const oidcOver = Object.fromEntries(['oidcRS256', 'oidcES256', 'oidcEdDSA'].map((k) => [k, summary(k, 'oidcJwks')]));
  // What the runtime charges any token endpoint: a form POST in, a token-sized JSON out.
  const formFloor = summary('probeForm', 'probeEmpty');

  const NODE = 'Node.js gateway (fastify 5, @fastify/reply-from, jose `jwtVerify`, local JWKS)';
  const rows = [
    { name: 'trivial route `GET /healthz` (the runtime itself)', ...s.trivial, marginal: 0, marginalCpu: 0 },
    ...['RS256', 'ES256', 'EdDSA'].map((alg) => ({
      name: `token endpoint, ${alg}`,
      ...s[alg.toLowerCase()],
      reference: `jose sign ${alg}`,
      target: 2,
    })),
    {
      name: 'token ES256 with a DPoP proof (ES256; one proof verification more, a DPoP-bound token)',
      ...s.es256Dpop,
      reference: 'token ES256 without DPoP',
      ratioOf: s.es256,
    },
    { name: 'token ES256, 10,000 clients in KV', ...s.es256Many, reference: 'token ES256, 1 client', ratioOf: s.es256 },
    { name: 'token ES256, 50 scopes in the token', ...s.es256Wide, reference: 'token ES256, 1 scope', ratioOf: s.es256 },
    {
      name: 'token ES256, private_key_jwt (ES256 assertion; one verification and one Durable Object round trip more)',
      ...s.es256Jwt,
      reference: 'token ES256, client_secret_post',
      ratioOf: s.es256,
    },
    { name: 'token ES256 with `LOG_LEVEL=warn` (no per-token log line)', ...s.es256Quiet, reference: 'jose sign ES256', target: 2 },
    { name: 'a form POST answered with a token-sized JSON, nothing else (probe Worker; marginal over its empty route)', ...formFloor },
    { name: 'one log line in a request (probe Worker: `console.log` then answer; marginal over the same route without it)', ...logLine },
    { name: 'node-oidc-provider 9 in Node.js, `GET /jwks` (its cheapest route; CPU of its process)', ...s.oidcJwks, marginal: undefined, marginalCpu: undefined, cpuNote: 'Node' },
    ...['RS256', 'ES256', 'EdDSA'].map((alg) => ({
      name: `node-oidc-provider 9 in Node.js, token ${alg} (marginal over its JWKS route)`,
      ...oidcOver[`oidc${alg}`],
      cpuNote: 'Node',
      reference: `Gatehouse token ${alg}`,
      ratioOf: s[alg.toLowerCase()],
    })),
    { name: 'discovery `GET /.well-known/openid-configuration`', ...s.discovery },
    { name: 'JWKS `GET /.well-known/openid-configuration/jwks`', ...s.jwks },
    { name: 'origin called directly (Node http, no Worker)', ...s.origin, marginal: undefined, marginalCpu: undefined, cpuNote: 'origin' },
    { name: 'pass-through route to the origin (probe Worker, no verification)', ...s.pass },
    {
      name: 'pass-through that also signs one ES256 JWT shaped like the origin assertion (probe Worker; the floor of the gateway\'s per-request signature); marginal over pass-through',
      ...overPass.passAssert,
      reference: 'jose sign ES256',
    },
    { name: 'gateway, public route (match + proxy, no token); marginal over pass-through', ...overPass.open },
    ...[
      ['RS256', 'gwRs', 'gwRsEvery'],
      ['ES256', 'gwEs', 'gwEsEvery'],
      ['EdDSA', 'gwEd', 'gwEdEvery'],
    ].flatMap(([alg, cached, every]) => [
      { name: `gateway verify + proxy, ${alg} token sent again (verified-token cache); marginal over pass-through`, ...overPass[cached], reference: `jose verify ${alg}`, target: 1 },
      { name: `gateway verify + proxy, ${alg}, every request verified (\`GATEWAY_TOKEN_CACHE_SIZE=0\`); marginal over pass-through`, ...overPass[every], reference: `jose verify ${alg}`, target: 2 },
    ]),
    {
      name: 'gateway ES256 with DPoP, token sent again (cache): `Authorization: DPoP` and a fresh proof with `ath` per request (one proof verification); marginal over pass-through',
      ...overPass.gwEsDpop,
      reference: 'gateway ES256 bearer, token sent again',
      ratioOf: overPass.gwEs,
    },
    {
      name: 'gateway ES256 with DPoP, every request verified (token and proof); marginal over pass-through',
      ...overPass.gwEsEveryDpop,
      reference: 'gateway ES256 bearer, every request verified',
      ratioOf: overPass.gwEsEvery,
    },
    {
      name: 'gateway ES256 with DPoP and `dpopReplay: "global"` (one Durable Object round trip per request, the object in the same workerd), token sent again; marginal over pass-through',
      ...overPass.gwEsDpopGlobal,
      reference: 'gateway ES256 with DPoP, per-isolate replay check',
      ratioOf: overPass.gwEsDpop,
    },
    { name: 'gateway ES256, 500 routes; marginal over pass-through', ...overPass.gwMany, reference: 'gateway ES256, 1 route', ratioOf: overPass.gwEs },
    {
      name: `${NODE}: pass-through route (CPU of its process)`,
      ...s.nodePass,
      marginal: undefined,
      marginalCpu: undefined,
      cpuNote: 'Node',
      // Read against bare workerd: Miniflare runs an entry Worker in front of every request and an
      // outbound Worker behind every fetch, which a deployed Worker does not have.
      reference: 'the pass-through route under bare workerd, whole request',
      ratioOfTotal: s.barePass,
    },
    {
      name: `${NODE}: verify + proxy, ES256, every request verified; marginal over its pass-through`,
      ...nodeOver.nodeEvery,
      cpuNote: 'Node',
      reference: 'Gatehouse gateway ES256, every request verified',
      ratioOf: overPass.gwEsEvery,
    },
    {
      name: `${NODE}: verify + proxy, ES256, token sent again (an LRU of 1,000 verified tokens keyed by the token); marginal over its pass-through`,
      ...nodeOver.nodeCached,
      cpuNote: 'Node',
      reference: 'Gatehouse gateway ES256, token sent again',
      ratioOf: overPass.gwEs,
    },
    {
      name: 'bare `workerd serve` (no Miniflare), Gatehouse `GET /healthz`',
      ...s.bareTrivial,
      marginal: undefined,
      marginalCpu: undefined,
      reference: 'the trivial route under Miniflare, whole request',
      ratioOfTotal: s.trivial,
    },
    {
      name: 'bare `workerd serve`, pass-through route (probe Worker); marginal over its `/healthz`',
      ...bareOver.barePass,
      reference: 'the pass-through under Miniflare',
      ratioOf: s.pass,
    },
    {
      name: 'bare `workerd serve`, gateway verify + proxy, ES256, every request verified; marginal over its pass-through',
      ...bareOver.bareGwEsEvery,
      reference: 'jose verify ES256 in bare workerd',
      target: 2,
    },
  ];
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  const rawLine = Object.entries(raw)
    .map(([op, runs]) => `${op} ${median(runs).toFixed(1)} µs (${runs.map((us) => us.toFixed(1)).join(' / ')})`)
    .join(', ');
  process.stdout.write(`Raw jose operations inside workerd (CPU time per operation: the median, and each measurement in run order): ${rawLine}.\n`);
  process.stdout.write(
    'A target is judged on ratio (CPU): the median over the rounds of (marginal workerd CPU of the round ÷ the raw operation measured just before it). ' +
      'A marginal below zero, or whose rounds spread wider than its median, is printed as noise, and so is a ratio built on one. ' +
      'CPU is that of the process serving the row: workerd, or (Node) the Node.js process, or (origin) this process.\n',
  );
  process.stdout.write(
    `${HAS_TASKSET ? 'Server side pinned to core 0, load generator to core 1' : 'taskset not found: server and load generator share the cores'}; ` +
      `${CONNECTIONS} connections; ${ROUNDS} rounds × ${SECONDS} s per scenario, medians; ` +
      `whole run ${((Date.now() - started) / 1000).toFixed(0)} s.\n`,
  );
} finally {
  await Promise.allSettled(instances.map((i) => (i.mf ? i.mf.dispose() : i.close())));
}
process.exit(0);

#!/usr/bin/env node
// `npm run load`: token issuance and the gateway together, at high concurrency, for a few tens of
// seconds, against the bundled Worker under Miniflare with a real origin on 127.0.0.1. Passes
// (exit 0) only with zero errors, zero timeouts and zero non-2xx answers. Not part of `npm test`.
//
// Each stream offers LOAD_RATE requests per second over its connections: a sustained load below
// what the one core serving workerd can do. With LOAD_RATE=0 every connection sends its next
// request as soon as it has an answer, which holds the single local isolate at 100% of its core
// for the whole run; README "Performance" says what the local runtime does then.
//
// Settings (environment): LOAD_SECONDS (default 30), LOAD_CONNECTIONS per stream (default 64),
// LOAD_RATE per stream (default 250), LOAD_ALG (default RS256, the production default), BENCH_PORT
// (default 18400; uses +60…+62).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { buildAll } from './lib/build.mjs';
import { cannon, HAS_TASKSET, pinServerSide } from './lib/cannon.mjs';
import { BENCH_KEK, runtimeStderr, startGatehouse, startOrigin } from './lib/servers.mjs';

// Server side (workerd and the origin) on core 0, the load generator on core 1.
pinServerSide();

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 64);
const ALG = process.env.LOAD_ALG ?? 'RS256';
const RATE = Number(process.env.LOAD_RATE ?? 250);
const port = Number(process.env.BENCH_PORT ?? 18400) + 60;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TOKEN_BODY = 'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1';
const say = (text) => process.stderr.write(`${text}\n`);

say('building the Worker and starting it under Miniflare…');
const build = await buildAll(root, join(root, 'dist', 'bench'));
const origin = await startOrigin(port + 1);
const entries = await build.seed.benchEntries({ kek: BENCH_KEK, alg: ALG });
const gh = await startGatehouse({
  build,
  port,
  entries,
  bindings: { TOKEN_SIGNING_ALG: ALG, GATEWAY_ROUTES: JSON.stringify([{ prefix: '/api', origin: origin.url, audience: 'api1', scopes: ['api1'] }]) },
});

let failed = false;
try {
  const issue = async () => {
    const res = await fetch(`${gh.url}/connect/token`, { method: 'POST', headers: FORM, body: TOKEN_BODY });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
    return (await res.json()).access_token;
  };
  const token = await issue();

  say(`load: ${SECONDS} s, token issuance and gateway at once, ${CONNECTIONS} connections each, ${RATE ? `${RATE} requests/s each` : 'as fast as answered'} (${ALG})…`);
  const started = Date.now();
  const [tokens, gateway] = await Promise.all([
    cannon({ url: `${gh.url}/connect/token`, method: 'POST', headers: FORM, body: TOKEN_BODY, connections: CONNECTIONS, duration: SECONDS, warmupSeconds: 0, timeout: 30, ...(RATE && { overallRate: RATE }) }),
    cannon({ url: `${gh.url}/api/resource`, headers: { authorization: `Bearer ${token}` }, connections: CONNECTIONS, duration: SECONDS, warmupSeconds: 0, timeout: 30, ...(RATE && { overallRate: RATE }) }),
  ]);
  const wall = (Date.now() - started) / 1000;

  // Tokens issued at the end of the run still verify against the served JWKS and pass the gateway.
  const jwks = createLocalJWKSet(await (await fetch(`${gh.url}/.well-known/openid-configuration/jwks`)).json());
  const last = await issue();
  await jwtVerify(last, jwks, { issuer: gh.url, audience: 'api1', typ: 'at+jwt' });
  const through = await fetch(`${gh.url}/api/after-load`, { headers: { authorization: `Bearer ${last}` } });
  if (through.status !== 200) throw new Error(`gateway answered ${through.status} after the load`);

  const line = (name, r) =>
    `| ${name} | ${r.total.toLocaleString('en-US')} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.status['2xx']} | ${r.total - r.status['2xx']} | ${r.status['5xx']} | ${r.errors} | ${r.timeouts} |`;
  process.stdout.write(
    [
      '',
      `| stream | requests | req/s | p50 ms | p99 ms | max ms | 2xx | non-2xx | 5xx | errors | timeouts |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      line(`POST /connect/token (${ALG})`, tokens),
      line('GET /api/resource through the gateway', gateway),
      '',
      `${SECONDS} s (${wall.toFixed(1)} s wall), ${CONNECTIONS} connections per stream, ${RATE ? `${RATE} requests/s offered per stream` : 'closed loop (each connection sends again once answered)'}, ${HAS_TASKSET ? 'server on core 0, load on core 1' : 'no taskset'}.`,
      '',
    ].join('\n'),
  );
  for (const [name, r] of [['token', tokens], ['gateway', gateway]]) {
    if (r.total === 0 || r.status['2xx'] !== r.total || r.errors > 0 || r.timeouts > 0) {
      say(`FAILED: ${name} stream had errors: ${JSON.stringify(r)}`);
      failed = true;
    }
  }
  if (failed) say(`workerd's last output on stderr:\n${runtimeStderr() || '(none)'}`);
  say(failed ? 'load test FAILED' : 'load test passed: zero errors, zero non-2xx');
} finally {
  await gh.mf.dispose();
  await origin.close();
}
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// `npm run bench:in-process -- [REV] [what,...]`: Gatehouse's own code, without the network: a
// benchmark-only Worker (bench/in-process.ts) calls the Worker's fetch handler N times in one
// request, and workerd's CPU time per call is read from /proc. Steadier than load figures on a
// shared machine, and what before/after comparisons of a code change use. With REV, the checkout
// at that git revision is measured beside the working tree, in alternation.
// what: healthz, token, jwks, discovery, gateway (verify + proxy to a local origin), open (a public
// gateway route), gatewaystub and openstub (the same with the origin answered inside the isolate:
// no I/O, no network noise) (default healthz,token); and signing and verification in layers: signraw,
// signjose, mint, verifyraw, verifyjose, verifycompact, decodejwt, verifyown; and the steps of a
// gateway request, one by one: gwmatch, gwverify, gwassert, gwheaders, gwfetch, gwfetchid,
// signassert (the assertion's signature alone), signhmac (an HMAC of the same bytes), randomid,
// signer, evict (bench/in-process.ts says what each is).
// IN_PROCESS_N calls per request (default 2000), IN_PROCESS_ALG (default ES256), IN_PROCESS_ROUNDS
// (default 5). `a+b` measures the layers a and b one after the other in each call.
// GATEWAY_TOKEN_CACHE_SIZE=0 turns the verified-token cache off (every request verified, as a
// token's first sight is), for `gateway` and `gwverify`; LOG_LEVEL is passed on too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForWorkerd } from '../scripts/lib/build-tools.mjs';
import { Miniflare } from 'miniflare';
import { buildAll } from './lib/build.mjs';
import { pinServerSide } from './lib/cannon.mjs';
import { childPids, cpuNs } from './lib/cpu.mjs';
import { median } from './lib/measure.mjs';
import { BENCH_KEK, gatewayRoutes, startOrigin } from './lib/servers.mjs';

// Server side (workerd and the origin) on core 0, the load generator on core 1.
pinServerSide();

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const WHATS = ['healthz', 'token', 'jwks', 'discovery', 'gateway', 'open', 'gatewaystub', 'openstub', 'signraw', 'signjose', 'mint', 'verifyraw', 'verifyjose', 'verifyown',
  'gwmatch', 'gwverify', 'gwassert', 'gwheaders', 'gwfetch', 'signassert', 'randomid', 'signer', 'verifycompact', 'decodejwt', 'gwfetchid', 'signhmac', 'evict'];
// The first argument is a git revision unless it is a list of the measurements above ("main" is a revision).
const rev = args[0] && !args[0].split(/[,+]/).every((w) => WHATS.includes(w)) ? args.shift() : undefined;
const whats = (args[0] ?? 'healthz,token').split(',');
const unknown = whats.flatMap((w) => w.split('+')).filter((w) => !WHATS.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`unknown measurement ${unknown.join(', ')}; known: ${WHATS.join(', ')}\n`);
  process.exit(2);
}
const N = Number(process.env.IN_PROCESS_N ?? 2000);
const ALG = process.env.IN_PROCESS_ALG ?? 'ES256';
const ROUNDS = Number(process.env.IN_PROCESS_ROUNDS ?? 5);

const { seed, compatibilityDate } = await buildAll(root, join(root, 'dist', 'bench'));
const origin = await startOrigin(Number(process.env.BENCH_PORT ?? 18400) + 80);
// Settings the measurement may vary, passed to both builds alike.
const settings = Object.fromEntries(['GATEWAY_TOKEN_CACHE_SIZE', 'LOG_LEVEL'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
const routes = gatewayRoutes(origin.url);
const entries = await seed.benchEntries({ kek: BENCH_KEK, alg: ALG });

/** Bundles bench/in-process.ts against the sources under `checkout` and serves it. */
async function start(checkout, name) {
  const outDir = mkdtempSync(join(tmpdir(), `gatehouse-in-process-${name}-`));
  await bundleForWorkerd(join(root, 'bench', 'in-process.ts'), join(outDir, 'worker.mjs'), {
    plugins: [{ name: 'checkout', setup: (b) => b.onResolve({ filter: /^\.\.\/src\// }, (a) => ({ path: join(checkout, 'src', `${a.path.slice('../src/'.length)}.ts`) })) }],
  });
  const known = new Set(childPids('workerd'));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outDir, 'worker.mjs'),
    modulesRoot: outDir,
    cf: false,
    compatibilityDate,
    kvNamespaces: ['GATEHOUSE'],
    bindings: { KEY_ENCRYPTION_KEY: BENCH_KEK, TOKEN_SIGNING_ALG: ALG, GATEWAY_ROUTES: routes, ...settings },
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.resume();
    },
  });
  await mf.ready;
  const kv = await mf.getKVNamespace('GATEHOUSE');
  for (const e of entries) await kv.put(e.key, e.value);
  const pid = childPids('workerd').find((p) => !known.has(p));
  return { name, mf, pid, outDir };
}

async function cpuPerCall(server, what, n) {
  const before = cpuNs(server.pid);
  const res = await server.mf.dispatchFetch(`http://bench/?n=${n}&what=${encodeURIComponent(what)}`);
  const body = await res.json();
  if (body.failed) throw new Error(`${server.name} ${what}: ${body.failed} of ${n} calls failed`);
  return (cpuNs(server.pid) - before) / 1e3 / n;
}

const servers = [];
let before;
try {
  if (rev) {
    before = mkdtempSync(join(tmpdir(), 'gatehouse-rev-'));
    execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" | tar -x -C "${before}"`]);
    symlinkSync(join(root, 'node_modules'), join(before, 'node_modules'));
    servers.push(await start(before, rev));
  }
  servers.push(await start(root, 'working tree'));
  const results = new Map();
  for (const what of whats) for (const s of servers) await cpuPerCall(s, what, Math.min(N, 300)); // warm-up
  // Rounds outermost, so that every measurement of a round shares the machine's conditions of the
  // moment (a shared machine's load drifts): compare figures within a row, and a build's with another's.
  for (let round = 0; round < ROUNDS; round++) {
    for (const what of whats) {
      for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
        const key = `${s.name}\t${what}`;
        results.set(key, [...(results.get(key) ?? []), await cpuPerCall(s, what, N)]);
      }
    }
  }
  const shown = Object.entries(settings).map(([k, v]) => `, ${k}=${v}`).join('');
  process.stdout.write(`\nworkerd CPU µs per call (${ALG}${shown}, ${N} calls per request, median of ${ROUNDS}):\n`);
  process.stdout.write(`| build | ${whats.join(' | ')} |\n|---|${whats.map(() => '---:').join('|')}|\n`);
  for (const s of servers) {
    process.stdout.write(`| ${s.name} | ${whats.map((w) => median(results.get(`${s.name}\t${w}`)).toFixed(1)).join(' | ')} |\n`);
  }
  // The spread of the rounds: a difference smaller than it is noise, not a result.
  for (const s of servers) {
    const spread = (w) => `${Math.min(...results.get(`${s.name}\t${w}`)).toFixed(0)}–${Math.max(...results.get(`${s.name}\t${w}`)).toFixed(0)}`;
    process.stdout.write(`| ${s.name} (min–max) | ${whats.map(spread).join(' | ')} |\n`);
  }
} finally {
  for (const s of servers) {
    await s.mf.dispose();
    rmSync(s.outDir, { recursive: true, force: true });
  }
  if (before) rmSync(before, { recursive: true, force: true });
}
process.exit(0);

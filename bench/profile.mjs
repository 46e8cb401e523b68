#!/usr/bin/env node
// `npm run bench:profile -- [scenario] [seconds]`: CPU profile of Gatehouse inside workerd under
// load, through the V8 inspector; prints the functions with the most self time and writes the
// whole profile to dist/bench/<scenario>.cpuprofile (open it in Chrome DevTools).
// Scenarios: token-rs256, token-es256, token-eddsa, jwks, discovery, healthz, gateway-es256,
// gateway-rs256 (verify + proxy to a local origin), gateway-public (a public route: match + proxy).
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './lib/build.mjs';
import { cannon } from './lib/cannon.mjs';
import { BENCH_KEK, gatewayRoutes, startGatehouse, startOrigin } from './lib/servers.mjs';

if (typeof WebSocket === 'undefined') {
  process.stderr.write('run with node --experimental-websocket (npm run bench:profile does)\n');
  process.exit(2);
}

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const scenario = process.argv[2] ?? 'token-es256';
const seconds = Number(process.argv[3] ?? 5);
const port = Number(process.env.BENCH_PORT ?? 18400) + 90;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TOKEN_BODY = 'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1';

const alg = { 'token-rs256': 'RS256', 'token-eddsa': 'EdDSA', 'gateway-rs256': 'RS256' }[scenario] ?? 'ES256';
const build = await buildAll(root, join(root, 'dist', 'bench'));
const entries = await build.seed.benchEntries({ kek: BENCH_KEK, alg });
const origin = scenario.startsWith('gateway') ? await startOrigin(port + 2) : undefined;
const routes = origin && gatewayRoutes(origin.url);
const g = await startGatehouse({ build, port, entries, bindings: { TOKEN_SIGNING_ALG: alg, ...(routes && { GATEWAY_ROUTES: routes }) }, inspectorPort: port + 1 });

async function gatewayLoad() {
  if (scenario === 'gateway-public') return { url: `${g.url}/open/resource` };
  const issued = await (await fetch(`${g.url}/connect/token`, { method: 'POST', headers: FORM, body: TOKEN_BODY })).json();
  return { url: `${g.url}/api/resource`, headers: { authorization: `Bearer ${issued.access_token}` } };
}

const load = scenario.startsWith('token')
  ? { url: `${g.url}/connect/token`, method: 'POST', headers: FORM, body: TOKEN_BODY }
  : scenario.startsWith('gateway')
    ? await gatewayLoad()
    : { url: `${g.url}${{ jwks: '/.well-known/openid-configuration/jwks', discovery: '/.well-known/openid-configuration', healthz: '/healthz' }[scenario]}` };

const targets = await (await fetch(`http://127.0.0.1:${port + 1}/json`)).json();
const target = targets.find((t) => t.title?.includes('gatehouse') || t.url?.includes('gatehouse')) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
let nextId = 1;
const pending = new Map();
ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.id && pending.has(message.id)) {
    pending.get(message.id)(message);
    pending.delete(message.id);
  }
};
const send = (method, params = {}) =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });

try {
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 100 });
  await send('Profiler.start');
  const result = await cannon({ connections: 10, duration: seconds, warmupSeconds: 1, ...load });
  const { result: stopped } = await send('Profiler.stop');
  const profile = stopped.profile;
  const out = join(root, 'dist', 'bench', `${scenario}.cpuprofile`);
  await writeFile(out, JSON.stringify(profile));

  const total = profile.samples.length;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = ({ callFrame }) => `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').pop()}:${callFrame.lineNumber + 1}`;
  const self = new Map();
  const inclusive = new Map();
  for (const id of profile.samples) {
    const leaf = name(byId.get(id));
    self.set(leaf, (self.get(leaf) ?? 0) + 1);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(name(byId.get(at)));
    for (const frame of seen) inclusive.set(frame, (inclusive.get(frame) ?? 0) + 1);
  }
  const top = (map, count) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([where, n]) => `${((100 * n) / total).toFixed(1).padStart(5)}%  ${where}`).join('\n');
  process.stdout.write(`${scenario}: ${result.rate.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms; ${total} samples\n`);
  process.stdout.write(`\nself time\n${top(self, 25)}\n\ntotal time (with callees)\n${top(inclusive, 45)}\n`);
  process.stdout.write(`profile written to ${out}\n`);
} finally {
  ws.close();
  await g.mf.dispose();
  await origin?.close();
}
process.exit(0);

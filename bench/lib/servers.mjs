// Starts the Worker under Miniflare (workerd directly, without wrangler dev's proxy in front),
// seeds its KV through Miniflare's API, and serves a plain origin on 127.0.0.1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import workerd from 'workerd';
import { childPids } from './cpu.mjs';

/** The key-encryption key every benchmark instance uses; generated per run, never stored. */
export const BENCH_KEK = randomBytes(32).toString('base64');

// workerd's output (one JSON log line per issued token) is read, as a log pipeline would read
// it, but not printed over the table; the last of stderr is kept to explain a failed start.
let lastStderr = '';
function quiet(stdout, stderr) {
  stdout.resume();
  stderr.on('data', (chunk) => {
    lastStderr = (lastStderr + chunk).slice(-4000);
  });
}

/** The last few KB that workerd wrote to stderr: Gatehouse's warnings and errors, and the runtime's own. */
export function runtimeStderr() {
  return lastStderr;
}

const known = new Set();

/** Waits for the instance; returns the PID of its workerd process (undefined where not found). */
async function ready(mf) {
  try {
    await mf.ready;
  } catch (error) {
    throw new Error(`${error.message}\n${lastStderr}`);
  }
  const pid = childPids('workerd').find((p) => !known.has(p));
  if (pid) known.add(pid);
  return pid;
}

/**
 * A Miniflare instance serving Gatehouse on `port`, with the probe Worker beside it in the same
 * workerd (reached through `mf.getWorker('probe')`), and KV seeded with `entries`.
 */
export async function startGatehouse({ build, port, entries, bindings = {}, inspectorPort }) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    inspectorPort,
    cf: false,
    handleRuntimeStdio: quiet,
    workers: [
      {
        name: 'gatehouse',
        modules: true,
        scriptPath: build.worker,
        modulesRoot: dirname(build.worker),
        compatibilityDate: build.compatibilityDate,
        kvNamespaces: { GATEHOUSE: 'gatehouse' },
        // As wrangler.toml binds them: the failed-authentication limiter (docs/abuse.md) and the
        // used jtis of client assertions (private_key_jwt; docs/client-auth.md). Both classes are
        // SQLite-backed there (new_sqlite_classes); their storage APIs need it here too.
        durableObjects: {
          AUTH_LIMITER: { className: 'AuthFailureLimiter', useSQLite: true },
          ASSERTION_REPLAY: { className: 'AssertionReplayCache', useSQLite: true },
          REVOCATIONS: { className: 'RevocationList', useSQLite: true },
        },
        bindings: { KEY_ENCRYPTION_KEY: BENCH_KEK, SCOPE_CLAIM_FORMAT: 'string', ...bindings },
      },
      {
        name: 'probe',
        modules: true,
        scriptPath: build.probe,
        compatibilityDate: build.compatibilityDate,
      },
    ],
  });
  const pid = await ready(mf);
  const kv = await mf.getKVNamespace('GATEHOUSE', 'gatehouse');
  for (let i = 0; i < entries.length; i += 200) {
    await Promise.all(entries.slice(i, i + 200).map((e) => kv.put(e.key, e.value)));
  }
  return { mf, pid, url: `http://127.0.0.1:${port}`, probe: await mf.getWorker('probe') };
}

/** A Miniflare instance whose only Worker is the probe: the plain pass-through route to `origin`. */
export async function startPassThrough({ build, port, origin }) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    cf: false,
    handleRuntimeStdio: quiet,
    modules: true,
    scriptPath: build.probe,
    compatibilityDate: build.compatibilityDate,
    bindings: { ORIGIN: origin },
  });
  const pid = await ready(mf);
  return { mf, pid, url: `http://127.0.0.1:${port}` };
}

/**
 * Gateway routes to the origin, as GATEWAY_ROUTES: `/api` (a token with api1), `/open` (public), and
 * more unrelated routes up to `count`, to show that matching does not grow with the number of routes.
 */
export function gatewayRoutes(origin, count = 2) {
  const routes = [
    { prefix: '/api', origin, audience: 'api1', scopes: ['api1'] },
    { prefix: '/open', origin, public: true },
  ];
  for (let i = routes.length; i < count; i++) routes.push({ prefix: `/svc${i}/v1`, origin, audience: `svc${i}`, scopes: [`svc${i}`] });
  return JSON.stringify(routes);
}

/** The origin API behind the gateway: a small JSON answer, as a typical API would give. */
export async function startOrigin(port) {
  const body = JSON.stringify({ ok: true, data: 'x'.repeat(200) });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Runs a Node.js script of bench/ with `args` in a child process that inherits the server side's
 * core, until it writes `ready`; returns its PID, URL and a way to stop it.
 */
async function startNodeServer(script, port, args, what) {
  const path = join(dirname(fileURLToPath(import.meta.url)), '..', script);
  const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}: ${stderr}`)));
  });
  return { pid: child.pid, url: `http://127.0.0.1:${port}`, close: () => child.kill() };
}

/** node-oidc-provider issuing the same tokens (bench/oidc-provider.mjs), one process per algorithm. */
export function startOidcProvider({ port, alg }) {
  return startNodeServer('oidc-provider.mjs', port, [String(port), alg], 'node-oidc-provider');
}

/**
 * The Node.js gateway (bench/node-gateway.mjs: fastify, @fastify/reply-from, jose) in front of
 * `origin`, accepting the tokens of `issuers` signed by the keys of `jwks`.
 */
export function startNodeGateway({ port, origin, jwks, issuers, algorithms }) {
  const options = { port, origin, jwks, issuers, audience: 'api1', scopes: ['api1'], algorithms };
  return startNodeServer('node-gateway.mjs', port, [JSON.stringify(options)], 'the Node.js gateway');
}

/**
 * A KV namespace for bare workerd: a Worker answering workerd's KV protocol (the one Miniflare's
 * KV service answers: `GET /<key>`, `PUT /<key>`, `DELETE /<key>`, and `GET /` to list, keys URL-
 * encoded when `urlencoded=true`) from memory, seeded with the entries of its `seed.json` module.
 */
const MEMORY_KV = `import seed from './seed.json';
const store = new Map(seed.map((e) => [e.key, { value: e.value }]));
const now = () => Date.now() / 1000;
const live = (key) => {
  const entry = store.get(key);
  if (entry && entry.expiration !== undefined && entry.expiration <= now()) { store.delete(key); return undefined; }
  return entry;
};
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/' && request.method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix) && live(k)).sort().map((name) => ({ name, expiration: store.get(name).expiration, metadata: store.get(name).metadata }));
      return Response.json({ keys, list_complete: true, cacheStatus: null });
    }
    const raw = url.pathname.slice(1);
    const key = url.searchParams.get('urlencoded') === 'true' ? decodeURIComponent(raw) : raw;
    if (request.method === 'GET') {
      const entry = live(key);
      if (!entry) return new Response('Not Found', { status: 404 });
      const headers = new Headers();
      if (entry.expiration !== undefined) headers.set('CF-Expiration', String(entry.expiration));
      if (entry.metadata !== undefined) headers.set('CF-KV-Metadata', entry.metadata);
      return new Response(entry.value, { headers });
    }
    if (request.method === 'PUT') {
      const ttl = url.searchParams.get('expiration_ttl');
      const at = url.searchParams.get('expiration');
      const expiration = ttl !== null ? Math.floor(now()) + Number(ttl) : at !== null ? Number(at) : undefined;
      store.set(key, { value: await request.text(), expiration, metadata: request.headers.get('CF-KV-Metadata') ?? undefined });
      return new Response(null);
    }
    if (request.method === 'DELETE') { store.delete(key); return new Response(null); }
    return new Response('Method Not Allowed', { status: 405 });
  },
};
`;

/**
 * The same bundles under bare `workerd serve` (the binary Miniflare ships), with a generated
 * configuration and no Miniflare in front: Gatehouse on `port` with its KV namespace (an in-memory
 * KV service seeded with `entries`), its Durable Objects (SQLite-backed, on a temporary disk
 * directory), its settings as text bindings and the network as its outbound service; the probe
 * Worker on `port + 1`, passing through to `origin`. Returns the workerd PID and both URLs.
 */
export async function startBareWorkerd({ build, port, entries, origin, bindings = {} }) {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-bare-workerd-'));
  await mkdir(join(dir, 'do'));
  await writeFile(join(dir, 'seed.json'), JSON.stringify(entries));
  await writeFile(join(dir, 'kv.mjs'), MEMORY_KV);
  // capnp resolves an absolute `embed` path against its import path, not the file system: the
  // bundles are copied beside the configuration.
  await copyFile(build.worker, join(dir, 'gatehouse.js'));
  await copyFile(build.probe, join(dir, 'probe.mjs'));
  const text = { KEY_ENCRYPTION_KEY: BENCH_KEK, SCOPE_CLAIM_FORMAT: 'string', ...bindings };
  const q = JSON.stringify;
  // Both classes are SQLite-backed in wrangler.toml (new_sqlite_classes): enableSql.
  const durableObjects = [
    ['AUTH_LIMITER', 'AuthFailureLimiter'],
    ['ASSERTION_REPLAY', 'AssertionReplayCache'],
    ['REVOCATIONS', 'RevocationList'],
  ];
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "gatehouse", worker = .gatehouse),
    (name = "probe", worker = .probe),
    (name = "kv", worker = .kv),
    (name = "do-disk", disk = (path = ${q(join(dir, 'do'))}, writable = true)),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "gatehouse", address = "127.0.0.1:${port}", http = (), service = "gatehouse"),
    (name = "probe", address = "127.0.0.1:${port + 1}", http = (), service = "probe"),
  ],
);
const gatehouse :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed "gatehouse.js")],
  compatibilityDate = ${q(build.compatibilityDate)},
  bindings = [
    (name = "GATEHOUSE", kvNamespace = "kv"),
${durableObjects.map(([name, className]) => `    (name = ${q(name)}, durableObjectNamespace = ${q(className)}),`).join('\n')}
${Object.entries(text).map(([name, value]) => `    (name = ${q(name)}, text = ${q(value)}),`).join('\n')}
  ],
  durableObjectNamespaces = [
${durableObjects.map(([, className]) => `    (className = ${q(className)}, uniqueKey = ${q(`gatehouse-${className}`)}, enableSql = true),`).join('\n')}
  ],
  durableObjectStorage = (localDisk = "do-disk"),
  globalOutbound = "internet",
);
const probe :Workerd.Worker = (
  modules = [(name = "probe.mjs", esModule = embed "probe.mjs")],
  compatibilityDate = ${q(build.compatibilityDate)},
  bindings = [(name = "ORIGIN", text = ${q(origin)})],
  globalOutbound = "internet",
);
const kv :Workerd.Worker = (
  modules = [
    (name = "kv.mjs", esModule = embed "kv.mjs"),
    (name = "seed.json", json = embed "seed.json"),
  ],
  compatibilityDate = ${q(build.compatibilityDate)},
);
`;
  const configPath = join(dir, 'config.capnp');
  await writeFile(configPath, config);
  const child = spawn(workerd.default ?? workerd, ['serve', configPath, '--experimental'], { stdio: ['ignore', 'pipe', 'pipe'] });
  quiet(child.stdout, child.stderr);
  const url = `http://127.0.0.1:${port}`;
  // workerd prints nothing when it listens: wait until the trivial route answers.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`bare workerd exited with ${child.exitCode}: ${lastStderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 200) throw new Error(`bare workerd did not answer within 20 s: ${lastStderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid,
    url,
    probeUrl: `http://127.0.0.1:${port + 1}`,
    close: async () => {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

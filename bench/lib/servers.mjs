// Starts the Worker under Miniflare (workerd directly, without wrangler dev's proxy in front),
// seeds its KV through Miniflare's API, and serves a plain origin on 127.0.0.1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
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
 * node-oidc-provider issuing the same tokens (bench/oidc-provider.mjs), in a child process that
 * inherits the server side's core; returns its PID, URL and a way to stop it.
 */
export async function startOidcProvider({ port, alg }) {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'oidc-provider.mjs');
  const child = spawn(process.execPath, [script, String(port), alg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`node-oidc-provider exited with ${code}: ${stderr}`)));
  });
  return { pid: child.pid, url: `http://127.0.0.1:${port}`, close: () => child.kill() };
}

#!/usr/bin/env node
// `npm start`: seeds the local KV with examples/seed.json (and a signing key), starts the demo
// origin (examples/demo-origin) on 127.0.0.1:8788, then runs `wrangler dev` on 127.0.0.1:8787,
// offline and without a Cloudflare account.
// PORT moves the server; DEMO_ORIGIN_PORT moves the demo origin (default PORT + 1);
// GATEHOUSE_STATE_DIR moves the local state (default .wrangler/state);
// GATEWAY_ROUTES_EXTRA adds gateway routes for this run (JSON, docs/gateway.md).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { bundleForNode, WRANGLER_ENV as env } from './lib/build-tools.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const port = process.env.PORT ?? '8787';
const demoPort = process.env.DEMO_ORIGIN_PORT ?? String(Number(port) + 1);

const seeded = spawnSync(process.execPath, [join(root, 'bin', 'gatehouse.mjs'), 'seed', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (seeded.status !== 0) process.exit(seeded.status ?? 1);
// examples/seed.json holds an admin client for local runs only (docs/console.md).
console.log(`admin console: http://127.0.0.1:${port}/admin/console (sign in with client id "console", secret "console-secret")`);

// The checked-in local route (wrangler.toml [vars]) leads /weatherforecast to 127.0.0.1:8788.
// On another port the same route is given for this run only, as GATEWAY_ROUTES_EXTRA, together with
// the extra routes of .dev.vars and of the environment (which win, prefix by prefix): a `--var`
// replaces what .dev.vars says, so both are merged here.
function devVarsRoutes() {
  let text = '';
  try {
    text = readFileSync(join(root, '.dev.vars'), 'utf8');
  } catch {
    return [];
  }
  const line = /^\s*GATEWAY_ROUTES_EXTRA\s*=\s*(.*?)\s*$/m.exec(text);
  return line ? JSON.parse(line[1].replace(/^(['"])(.*)\1$/, '$2')) : [];
}
const extraFromEnv = process.env.GATEWAY_ROUTES_EXTRA ? JSON.parse(process.env.GATEWAY_ROUTES_EXTRA) : [];
const extra = [...devVarsRoutes().filter((r) => !extraFromEnv.some((e) => e?.prefix === r?.prefix)), ...extraFromEnv];
if (demoPort !== '8788' && !extra.some((r) => r?.prefix === '/weatherforecast')) {
  extra.push({ prefix: '/weatherforecast', origin: `http://127.0.0.1:${demoPort}`, audience: 'api1', scopes: ['api1'], methods: ['GET'] });
}
const passExtra = extraFromEnv.length > 0 || demoPort !== '8788';

const demoOrigin = join(root, 'node_modules', '.cache', 'gatehouse', 'demo-origin.mjs');
await bundleForNode(join(root, 'examples', 'demo-origin', 'server.ts'), demoOrigin);
const demo = spawn(process.execPath, [demoOrigin], {
  cwd: root,
  env: { ...env, DEMO_ORIGIN_PORT: demoPort, GATEHOUSE_ISSUER: `http://127.0.0.1:${port}` },
  stdio: 'inherit',
});

const dev = spawn(
  join(root, 'node_modules', '.bin', 'wrangler'),
  [
    'dev',
    '--ip', '127.0.0.1',
    '--port', port,
    '--show-interactive-dev-session=false',
    ...(process.env.GATEHOUSE_STATE_DIR ? ['--persist-to', process.env.GATEHOUSE_STATE_DIR] : []),
    ...(passExtra ? ['--var', `GATEWAY_ROUTES_EXTRA:${JSON.stringify(extra)}`] : []),
  ],
  { cwd: root, env, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    demo.kill(signal);
    dev.kill(signal);
  });
}
demo.on('exit', (code) => {
  if (dev.exitCode === null) {
    console.error(`demo origin exited (${code}); stopping`);
    dev.kill('SIGTERM');
  }
});
dev.on('exit', (code) => {
  if (demo.exitCode === null) demo.kill('SIGTERM');
  process.exit(code ?? 0);
});

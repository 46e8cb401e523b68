#!/usr/bin/env node
// `npm start`: seeds the local KV with examples/seed.json (and a signing key), then runs
// `wrangler dev` on 127.0.0.1:8787, offline and without a Cloudflare account.
// PORT moves the server; GATEHOUSE_STATE_DIR moves the local state (default .wrangler/state).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};
const port = process.env.PORT ?? '8787';

const seeded = spawnSync(process.execPath, [join(root, 'bin', 'gatehouse.mjs'), 'seed', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (seeded.status !== 0) process.exit(seeded.status ?? 1);

const dev = spawn(
  join(root, 'node_modules', '.bin', 'wrangler'),
  [
    'dev',
    '--ip', '127.0.0.1',
    '--port', port,
    '--show-interactive-dev-session=false',
    ...(process.env.GATEHOUSE_STATE_DIR ? ['--persist-to', process.env.GATEHOUSE_STATE_DIR] : []),
  ],
  { cwd: root, env, stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

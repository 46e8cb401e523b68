#!/usr/bin/env node
// `npm run bench:compare -- REV [endpoint] [rounds]`: the same endpoint of two builds of the
// Worker, the checkout at git revision REV ("before") and the working tree ("after"), served side
// by side and loaded in alternation, each round beside the trivial route of the same build.
// Prints each build's median rate and marginal cost per request. Endpoints: token-rs256 (default),
// token-es256, token-eddsa, jwks, discovery.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, buildWorker } from './lib/build.mjs';
import { cannon, pinServerSide } from './lib/cannon.mjs';
import { marginalUs } from './lib/measure.mjs';
import { BENCH_KEK, startGatehouse } from './lib/servers.mjs';

// Server side (workerd and the origin) on core 0, the load generator on core 1.
pinServerSide();

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [rev, endpoint = 'token-rs256', roundsArg = '5'] = process.argv.slice(2);
if (!rev) {
  process.stderr.write('usage: npm run bench:compare -- REV [endpoint] [rounds]\n');
  process.exit(2);
}
const rounds = Number(roundsArg);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const basePort = Number(process.env.BENCH_PORT ?? 18400) + 70;
const alg = { 'token-es256': 'ES256', 'token-eddsa': 'EdDSA' }[endpoint] ?? 'RS256';

const build = await buildAll(root, join(root, 'dist', 'bench'));
const before = mkdtempSync(join(tmpdir(), 'gatehouse-before-'));
try {
  execFileSync('sh', ['-c', `git -C "${root}" archive "${rev}" | tar -x -C "${before}"`]);
  symlinkSync(join(root, 'node_modules'), join(before, 'node_modules'));
  const beforeWorker = await buildWorker(before, join(before, 'dist'));

  const entries = await build.seed.benchEntries({ kek: BENCH_KEK, alg });
  const bindings = { TOKEN_SIGNING_ALG: alg };
  const builds = {
    before: await startGatehouse({ build: { ...build, worker: beforeWorker }, port: basePort, entries, bindings }),
    after: await startGatehouse({ build, port: basePort + 1, entries, bindings }),
  };
  const load = (url) =>
    endpoint.startsWith('token')
      ? {
          url: `${url}/connect/token`,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1',
        }
      : { url: `${url}${endpoint === 'jwks' ? '/.well-known/openid-configuration/jwks' : '/.well-known/openid-configuration'}` };

  const results = { before: [], after: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
      const { url } = builds[name];
      const serverPid = builds[name].pid;
      const trivial = await cannon({ url: `${url}/healthz`, connections: 10, duration: seconds, serverPid });
      const measured = await cannon({ connections: 10, duration: seconds, serverPid, ...load(url) });
      if (measured.status['2xx'] !== measured.total) throw new Error(`${name}: ${JSON.stringify(measured)}`);
      results[name].push({
        rate: measured.rate,
        p50: measured.p50,
        marginal: marginalUs(measured.rate, trivial.rate),
        trivial: trivial.rate,
        cpu: measured.cpuUs,
        marginalCpu: measured.cpuUs - trivial.cpuUs,
      });
      process.stderr.write(
        `round ${round + 1} ${name}: ${measured.rate.toFixed(0)} req/s (${measured.cpuUs.toFixed(0)} µs CPU), trivial ${trivial.rate.toFixed(0)} req/s (${trivial.cpuUs.toFixed(0)} µs CPU)\n`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(`\n${endpoint}, ${rounds} alternating rounds of ${seconds} s, medians:\n`);
  process.stdout.write('| build | req/s | p50 ms | trivial req/s | marginal µs/req | workerd CPU µs/req | marginal CPU µs/req |\n|---|---:|---:|---:|---:|---:|---:|\n');
  for (const name of ['before', 'after']) {
    const r = results[name];
    process.stdout.write(
      `| ${name === 'before' ? rev : 'working tree'} | ${median(r.map((x) => x.rate)).toFixed(0)} | ${median(r.map((x) => x.p50)).toFixed(2)} | ${median(r.map((x) => x.trivial)).toFixed(0)} | ${median(r.map((x) => x.marginal)).toFixed(1)} | ${median(r.map((x) => x.cpu)).toFixed(1)} | ${median(r.map((x) => x.marginalCpu)).toFixed(1)} |\n`,
    );
  }
  await Promise.allSettled(Object.values(builds).map((b) => b.mf.dispose()));
} finally {
  rmSync(before, { recursive: true, force: true });
}
process.exit(0);

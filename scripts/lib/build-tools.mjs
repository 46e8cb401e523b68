// What the Node-side scripts share: wrangler run offline and quiet, and esbuild bundles of
// TypeScript entry points for Node and for workerd.
import { build } from 'esbuild';

/** Environment for every wrangler run: no telemetry, update check or Request.cf download. */
export const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

/** Bundles a TypeScript entry point into one ES module for Node; dependencies stay imports. */
export function bundleForNode(entry, outfile, options = {}) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    ...options,
  });
}

/** Bundles a TypeScript entry point into one ES module for workerd, as wrangler would. */
export function bundleForWorkerd(entry, outfile, options = {}) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    target: 'es2022',
    logLevel: 'error',
    ...options,
  });
}

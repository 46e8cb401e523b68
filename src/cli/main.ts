import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { ensureLocalKeyEncryptionKey } from './dev-vars';
import { LocalKv } from './local-kv';
import { ensureSigningKey, seedEntries } from './seed';
import { KEY } from '../core/store';

const USAGE = `Usage: gatehouse <command> [options]

Commands:
  seed [file]     Write the clients, scopes and resources of a seed file (default
                  examples/seed.json) into the local KV that \`wrangler dev\` serves, and make
                  sure a signing key exists (KEY_ENCRYPTION_KEY is created in .dev.vars).

Options:
  --alg ALG       Algorithm for a new signing key: RS256 (default), PS256, ES256, EdDSA.
  -h, --help      Show this help.
`;

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  try {
    if (command === 'seed') return await seed(rest);
    process.stderr.write(`gatehouse: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  } catch (error) {
    process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function seed(args: string[]): Promise<number> {
  const algIndex = args.indexOf('--alg');
  const alg = algIndex >= 0 ? args[algIndex + 1] : undefined;
  const file = args.filter((a, i) => !a.startsWith('--') && i !== algIndex + 1 || (algIndex < 0 && !a.startsWith('--')))[0];
  const cwd = process.cwd();
  let signingAlg;
  try {
    signingAlg = loadConfig({ GATEHOUSE: undefined as never, TOKEN_SIGNING_ALG: alg }).signingAlg;
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`--alg ${error.message.replace(/^TOKEN_SIGNING_ALG /, '')}`);
    throw error;
  }
  const kv = new LocalKv(cwd);
  const entries = await seedEntries(resolve(cwd, file ?? 'examples/seed.json'));
  const kek = await ensureLocalKeyEncryptionKey(cwd);
  const ring = await ensureSigningKey(await kv.get(KEY.keyRing), kek, signingAlg);
  if (ring) entries.push({ key: KEY.keyRing, value: JSON.stringify(ring.ring) });
  await kv.putMany(entries);
  process.stdout.write(`seeded ${entries.length} record(s) into local KV`);
  if (ring) process.stdout.write(ring.replaced ? '; the old key ring did not match KEY_ENCRYPTION_KEY and was replaced' : '; created a signing key');
  process.stdout.write('\n');
  return 0;
}

import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { KEY } from '../../core/store';
import { UsageError, type CommandSpec } from '../command';
import { ensureLocalKeyEncryptionKey } from '../dev-vars';
import { openLocalState } from '../local-state';
import { ensureSigningKey, seedEntries } from '../seed';

/** `gatehouse seed [file]`: what `npm start` runs first. */
export const seedCommand: CommandSpec = {
  name: 'seed',
  summary: 'Write the records of a seed file into local state and make sure a signing key exists.',
  args: ['[file]'],
  options: {
    alg: { type: 'string', value: 'ALG', description: 'Algorithm of a new signing key: RS256 (default), PS256, ES256, EdDSA.' },
  },
  details: `The seed file (default examples/seed.json) holds Gatehouse's own records: { scopes, resources,
clients }, as docs/storage.md describes them. Records with the same names are replaced. A
KEY_ENCRYPTION_KEY is created in .dev.vars on first use.`,
  async run(ctx) {
    let signingAlg;
    try {
      signingAlg = loadConfig({ GATEHOUSE: undefined as never, TOKEN_SIGNING_ALG: ctx.options.alg as string | undefined }).signingAlg;
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`--alg ${error.message.replace(/^TOKEN_SIGNING_ALG /, '')}`, 'seed');
      throw error;
    }
    const cwd = process.cwd();
    const entries = await seedEntries(resolve(cwd, ctx.args[0] ?? 'examples/seed.json'));
    const kek = await ensureLocalKeyEncryptionKey(cwd);
    const state = await openLocalState(cwd);
    try {
      const kv = state.env.GATEHOUSE;
      const ring = await ensureSigningKey(await kv.get(KEY.keyRing), kek, signingAlg);
      if (ring) entries.push({ key: KEY.keyRing, value: JSON.stringify(ring.ring) });
      await Promise.all(entries.map((e) => kv.put(e.key, e.value)));
      let text = `seeded ${entries.length} record(s) into local state`;
      if (ring) text += ring.replaced ? '; the old key ring did not match KEY_ENCRYPTION_KEY and was replaced' : '; created a signing key';
      ctx.print(`${text}\n`, { records: entries.length, signingKey: ring ? (ring.replaced ? 'replaced' : 'created') : 'kept' });
    } finally {
      await state.close();
    }
  },
};

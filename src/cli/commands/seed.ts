import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importRecords } from '../../admin/import-records';
import type { ImportBundle } from '../../admin/operations';
import { loadConfig } from '../../config';
import { ConfigError } from '../../config-error';
import { KEY } from '../../core/store';
import { UsageError, type CommandSpec } from '../command';
import { ensureLocalKeyEncryptionKey } from '../dev-vars';
import { openLocalState } from '../local-state';
import { ensureSigningKey } from '../seed';

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
    const file = resolve(cwd, ctx.args[0] ?? 'examples/seed.json');
    let bundle: ImportBundle;
    try {
      bundle = JSON.parse(await readFile(file, 'utf8')) as ImportBundle;
    } catch (error) {
      throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const kek = await ensureLocalKeyEncryptionKey(cwd);
    const state = await openLocalState(cwd);
    try {
      const kv = state.env.GATEHOUSE;
      // The same validation and writing as `gatehouse import`; a seed replaces records of the same names.
      const imported = await importRecords(kv, bundle, true, () => {}, Date.now());
      const records = Object.values(imported.created).flat().length + Object.values(imported.replaced).flat().length;
      const ring = await ensureSigningKey(await kv.get(KEY.keyRing), kek, signingAlg);
      if (ring) await kv.put(KEY.keyRing, JSON.stringify(ring.ring));
      let text = `seeded ${records} record(s) into local state`;
      if (ring) text += ring.replaced ? '; the old key ring did not match KEY_ENCRYPTION_KEY and was replaced' : '; created a signing key';
      for (const warning of imported.warnings) text += `\nwarning: ${warning}`;
      ctx.print(`${text}\n`, { records, warnings: imported.warnings, signingKey: ring ? (ring.replaced ? 'replaced' : 'created') : 'kept' });
    } finally {
      await state.close();
    }
  },
};

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importRecords } from '../../admin/import-records';
import type { ImportBundle } from '../../admin/operations';
import { loadConfig } from '../../config';
import { ConfigError } from '../../config-error';
import { updateLocalRevocations } from '../../core/revocation-document';
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
    alg: { type: 'string', value: 'ALG', description: 'Algorithm of a new signing key: RS256, PS256, ES256, EdDSA (default: the TOKEN_SIGNING_ALG setting).' },
    'new-key': { type: 'boolean', description: 'Add a signing key that signs at once (the switch to a new TOKEN_SIGNING_ALG on local state).' },
  },
  details: `The seed file (default examples/seed.json) holds Gatehouse's own records: { scopes, resources,
clients }, as docs/storage.md describes them. Records with the same names are replaced. A
KEY_ENCRYPTION_KEY is created in .dev.vars on first use. A new signing key has the algorithm of
--alg, else of TOKEN_SIGNING_ALG as wrangler dev sees it (.dev.vars, then wrangler.toml [vars]). An
existing ring keeps signing with its key; --new-key adds a key that signs at once, keeping the older
keys published (docs/keys.md).`,
  async run(ctx) {
    const algOf = (value: string | undefined) => loadConfig({ GATEHOUSE: undefined as never, TOKEN_SIGNING_ALG: value }).signingAlg;
    const chosenAlg = ctx.options.alg as string | undefined;
    if (chosenAlg !== undefined) {
      try {
        algOf(chosenAlg);
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(`--alg ${error.message.replace(/^TOKEN_SIGNING_ALG /, '')}`, 'seed');
        throw error;
      }
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
      // The revocation document, so the local server reads one document rather than a key per token
      // (and revocations of earlier versions' `revoked:{jti}` keys are carried into it).
      await updateLocalRevocations(kv, Math.floor(Date.now() / 1000));
      // The setting as the Worker will read it: .dev.vars over wrangler.toml [vars], as wrangler dev does.
      const signingAlg = algOf(chosenAlg ?? state.env.TOKEN_SIGNING_ALG);
      const seeded = await ensureSigningKey(await kv.get(KEY.keyRing), kek, signingAlg, { newKey: ctx.options['new-key'] === true });
      if (seeded.ring) await kv.put(KEY.keyRing, JSON.stringify(seeded.ring));
      let text = `seeded ${records} record(s) into local state`;
      text += {
        kept: '',
        created: `; created a ${signingAlg} signing key`,
        replaced: `; the old key ring did not match KEY_ENCRYPTION_KEY and was replaced by a ${signingAlg} key`,
        switched: `; added a ${signingAlg} signing key that signs now (older keys stay published)`,
      }[seeded.outcome];
      if (seeded.signingAlg !== signingAlg) {
        text += `\nnote: the local signing key is ${seeded.signingAlg} while ${chosenAlg ? '--alg' : 'TOKEN_SIGNING_ALG'} is ${signingAlg}; ` +
          `\`npm start -- --new-key\` switches now (or \`npx gatehouse keys rotate\` publishes a ${signingAlg} key that signs after KEY_PROPAGATION)`;
      }
      for (const warning of imported.warnings) text += `\nwarning: ${warning}`;
      ctx.print(`${text}\n`, { records, warnings: imported.warnings, signingKey: seeded.outcome, signingAlg: seeded.signingAlg });
    } finally {
      await state.close();
    }
  },
};

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fromIdentityServer, isIdentityServerConfig } from '../../admin/identityserver';
import type { ImportBundle } from '../../admin/operations';
import { UsageError, type CommandSpec } from '../command';

/** `gatehouse import FILE` */
export const importCommand: CommandSpec = {
  name: 'import',
  summary: 'Import clients, API scopes and API resources from an IdentityServer configuration (or a Gatehouse seed file).',
  args: ['<file>'],
  options: {
    overwrite: { type: 'boolean', description: 'Replace records that exist; without it, nothing is imported when one exists.' },
    format: { type: 'string', value: 'FORMAT', description: 'identityserver or gatehouse (default: told apart by the file).' },
  },
  target: true,
  details: `An IdentityServer configuration has Clients, ApiScopes and ApiResources (at the root or under
"IdentityServer", as in appsettings.json), with ClientSecrets / ApiSecrets given as IdentityServer
stores them: Value = base64(SHA-256(secret)). The secrets move across unchanged, so clients keep
working with the secrets they have. A plain-text secret is refused. A client's JsonWebKey and
X509CertificateBase64 secrets become its public keys for private_key_jwt.`,
  async run(ctx) {
    const format = (ctx.options.format as string | undefined) ?? 'auto';
    if (!['auto', 'identityserver', 'gatehouse'].includes(format)) throw new UsageError(`--format must be identityserver or gatehouse; got "${format}"`, 'import');
    const path = resolve(ctx.args[0]!);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read ${path}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message}`);
    }
    const identityServer = format === 'identityserver' || (format === 'auto' && isIdentityServerConfig(parsed));
    const { bundle, warnings } = identityServer ? await fromIdentityServer(parsed) : { bundle: parsed as ImportBundle, warnings: [] };
    const result = await (await ctx.target()).ops.importBundle(bundle, { overwrite: ctx.options.overwrite === true });
    const all = [...warnings, ...result.warnings];
    for (const w of all) ctx.warn(`warning: ${w}`);
    const lines: string[] = [];
    for (const kind of ['scopes', 'resources', 'clients'] as const) {
      if (result.created[kind].length) lines.push(`created ${kind}: ${result.created[kind].join(', ')}`);
      if (result.replaced[kind].length) lines.push(`replaced ${kind}: ${result.replaced[kind].join(', ')}`);
    }
    ctx.print(`${lines.length ? lines.join('\n') : 'nothing to import'}\n`, { ...result, warnings: all });
  },
};

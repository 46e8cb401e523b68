import type { NewSecret, SecretOwner } from '../../admin/operations';
import { secretWeakness } from '../../admin/secret-values';
import type { CreatedSecret, SecretView } from '../../admin/views';
import { UsageError, type CommandContext, type CommandSpec, type OptionSpec, type OptionValues } from '../command';
import { show, table } from '../output';

export const SECRET_OPTIONS: Record<string, OptionSpec> = {
  expires: { type: 'string', value: 'DATE', description: 'When the secret stops working: an ISO 8601 date, or a number of days such as 90d.' },
  description: { type: 'string', value: 'TEXT', description: 'What the secret is for.' },
  'secret-value': {
    type: 'string',
    value: 'VALUE',
    description: 'Use this secret instead of a generated one ("-" reads it from stdin). A weak one is refused except on local state.',
  },
};

const SECRET_DETAILS = `A generated secret is 32 random bytes (256 bits), base64url. It is printed once and stored
only as base64(SHA-256). A chosen secret is weak with fewer than 32 characters or fewer than 10
distinct characters; weak secrets are accepted on local state only.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `--expires`: an ISO 8601 date, or `Nd` days from now. */
export function expiresOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const days = /^(\d{1,5})d$/.exec(value);
  if (days) return new Date(Date.now() + Number(days[1]) * 86_400_000).toISOString();
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`--expires must be an ISO 8601 date or a number of days such as 90d; got "${value}"`);
  return new Date(Date.parse(value)).toISOString();
}

/** The new-secret input the options describe; warns when a weak chosen secret goes to local state. */
export async function secretInput(ctx: CommandContext, options: OptionValues, local: boolean): Promise<NewSecret> {
  const input: NewSecret = {};
  const expires = expiresOption(options.expires as string | undefined);
  if (expires) input.expires = expires;
  if (options.description !== undefined) input.description = options.description as string;
  let value = options['secret-value'] as string | undefined;
  if (value === '-') value = await readStdin();
  if (value !== undefined) {
    input.value = value;
    const weakness = secretWeakness(value);
    if (weakness && local) ctx.warn(`warning: weak secret (${weakness}) accepted because the target is local state; a deployed Gatehouse refuses it`);
  }
  return input;
}

/** Prints a secret just added: the generated value, once, with how to use it. */
export function printCreatedSecret(ctx: CommandContext, owner: string, secret: CreatedSecret, json: unknown): void {
  const lines = [`added secret ${secret.id} to ${owner}${secret.expires ? `, expires ${secret.expires}` : ''}`];
  if (secret.value) lines.push(`secret: ${secret.value}`, 'This is the only time the secret is shown; store it now.');
  ctx.print(`${lines.join('\n')}\n`, json);
}

export function secretsTable(secrets: SecretView[]): string {
  return table(['ID', 'CREATED', 'EXPIRES', 'DESCRIPTION'], secrets.map((s) => [show(s.id), show(s.created), show(s.expires), show(s.description)]));
}

/** `clients secrets` and `resources secrets`: the same three commands for either owner. */
export function secretsCommand(kind: SecretOwner): CommandSpec {
  const noun = kind === 'client' ? 'client' : 'API resource';
  const arg = kind === 'client' ? '<client-id>' : '<resource>';
  const purpose = kind === 'client' ? 'authenticate the client at the token endpoint' : 'authenticate the API resource at the introspection endpoint';
  return {
    name: 'secrets',
    summary: `Manage the secrets that ${purpose}.`,
    subcommands: [
      {
        name: 'add',
        summary: `Add a secret to a ${noun}; a generated one is printed once.`,
        args: [arg],
        options: SECRET_OPTIONS,
        target: true,
        details: SECRET_DETAILS,
        async run(ctx) {
          const target = await ctx.target();
          const name = ctx.args[0]!;
          const secret = await target.ops.addSecret(kind, name, await secretInput(ctx, ctx.options, target.kind === 'local'));
          printCreatedSecret(ctx, `${noun} ${name}`, secret, secret);
        },
      },
      {
        name: 'list',
        summary: `List a ${noun}'s secrets: ids, dates and descriptions, never the secrets or their hashes.`,
        args: [arg],
        target: true,
        async run(ctx) {
          const secrets = await (await ctx.target()).ops.listSecrets(kind, ctx.args[0]!);
          ctx.print(secretsTable(secrets), { secrets });
        },
      },
      {
        name: 'remove',
        summary: `Remove one of a ${noun}'s secrets by its id.`,
        args: [arg, '<secret-id>'],
        target: true,
        async run(ctx) {
          await (await ctx.target()).ops.removeSecret(kind, ctx.args[0]!, ctx.args[1]!);
          ctx.print(`removed secret ${ctx.args[1]} from ${noun} ${ctx.args[0]}\n`, { removed: ctx.args[1] });
        },
      },
    ],
  };
}

import type { CommandSpec } from '../command';
import { fields, indent, show, table } from '../output';
import { secretsCommand, secretsTable } from './secrets';

/** `gatehouse resources ...` */
export const resourcesCommand: CommandSpec = {
  name: 'resources',
  summary: "Manage API resources: the APIs named in a token's aud, each with the scopes it accepts.",
  subcommands: [
    {
      name: 'add',
      summary: 'Add an API resource that accepts the given scopes.',
      args: ['<name>'],
      options: {
        scope: { type: 'string', multiple: true, value: 'SCOPE', description: 'An API scope this resource accepts (repeat for several).' },
        'display-name': { type: 'string', value: 'TEXT', description: 'A name for people.' },
        disabled: { type: 'boolean', description: 'Add it disabled: it is then left out of aud.' },
      },
      target: true,
      async run(ctx) {
        const o = ctx.options;
        const resource = await (await ctx.target()).ops.addResource({
          name: ctx.args[0]!,
          scopes: (o.scope as string[] | undefined) ?? [],
          ...(o['display-name'] === undefined ? {} : { displayName: o['display-name'] as string }),
          ...(o.disabled ? { enabled: false } : {}),
        });
        ctx.print(`added API resource ${resource.name}\n`, resource);
      },
    },
    {
      name: 'list',
      summary: 'List API resources.',
      target: true,
      async run(ctx) {
        const resources = await (await ctx.target()).ops.listResources();
        const rows = resources.map((r) => [r.name, r.enabled ? 'yes' : 'no', show(r.scopes), String(r.secrets.length), show(r.displayName)]);
        ctx.print(table(['NAME', 'ENABLED', 'SCOPES', 'SECRETS', 'DISPLAY NAME'], rows), { resources });
      },
    },
    {
      name: 'show',
      summary: "Show an API resource and its secrets' ids and dates.",
      args: ['<name>'],
      target: true,
      async run(ctx) {
        const r = await (await ctx.target()).ops.getResource(ctx.args[0]!);
        const text = fields([['name', r.name], ['display name', show(r.displayName)], ['enabled', String(r.enabled)], ['scopes', show(r.scopes)]]);
        ctx.print(`${text}secrets:\n${indent(secretsTable(r.secrets))}`, r);
      },
    },
    {
      name: 'delete',
      summary: 'Delete an API resource.',
      args: ['<name>'],
      target: true,
      async run(ctx) {
        await (await ctx.target()).ops.deleteResource(ctx.args[0]!);
        ctx.print(`deleted API resource ${ctx.args[0]}\n`, { deleted: ctx.args[0] });
      },
    },
    secretsCommand('resource'),
  ],
};

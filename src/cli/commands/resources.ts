import type { ResourceChanges } from '../../admin/operations';
import { oppositeFlags, UsageError, type CommandSpec, type OptionSpec } from '../command';
import { fields, indent, show, table } from '../output';
import { secretsCommand, secretsTable } from './secrets';

const SETTING_OPTIONS: Record<string, OptionSpec> = {
  scope: { type: 'string', multiple: true, value: 'SCOPE', description: 'An API scope this resource accepts (repeat for several).' },
  'display-name': { type: 'string', value: 'TEXT', description: 'A name for people.' },
  uri: {
    type: 'string',
    value: 'URI',
    description: 'Its resource indicator (RFC 8707): an absolute https URI, no fragment, unique among API resources.',
  },
};

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
        ...SETTING_OPTIONS,
        disabled: { type: 'boolean', description: 'Add it disabled: it is then left out of aud.' },
      },
      target: true,
      async run(ctx) {
        const o = ctx.options;
        const resource = await (await ctx.target()).ops.addResource({
          name: ctx.args[0]!,
          scopes: (o.scope as string[] | undefined) ?? [],
          ...(o['display-name'] === undefined ? {} : { displayName: o['display-name'] as string }),
          ...(o.uri === undefined ? {} : { uri: o.uri as string }),
          ...(o.disabled ? { enabled: false } : {}),
        });
        ctx.print(`added API resource ${resource.name}\n`, resource);
      },
    },
    {
      name: 'update',
      summary: "Change an API resource's settings; options not given stay as they are (--scope replaces the list).",
      args: ['<name>'],
      options: {
        ...SETTING_OPTIONS,
        'no-uri': { type: 'boolean', description: 'Clear its resource indicator.' },
        enable: { type: 'boolean', description: 'Name it in aud again.' },
        disable: { type: 'boolean', description: 'Leave it out of aud; tokens already issued keep it.' },
      },
      target: true,
      async run(ctx) {
        const o = ctx.options;
        const enabled = oppositeFlags(o, 'enable', 'disable', 'resources update');
        if (o.uri !== undefined && o['no-uri']) throw new UsageError('--uri and --no-uri cannot be combined', 'resources update');
        const changes: ResourceChanges = {
          ...(o.scope ? { scopes: o.scope as string[] } : {}),
          ...(o['display-name'] === undefined ? {} : { displayName: o['display-name'] as string }),
          ...(o.uri === undefined ? {} : { uri: o.uri as string }),
          ...(o['no-uri'] ? { uri: null } : {}),
          ...(enabled === undefined ? {} : { enabled }),
        };
        if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give at least one option', 'resources update');
        const resource = await (await ctx.target()).ops.updateResource(ctx.args[0]!, changes);
        ctx.print(`updated API resource ${resource.name}\n`, resource);
      },
    },
    {
      name: 'list',
      summary: 'List API resources.',
      target: true,
      async run(ctx) {
        const resources = await (await ctx.target()).ops.listResources();
        const rows = resources.map((r) => [r.name, r.enabled ? 'yes' : 'no', show(r.scopes), show(r.uri), String(r.secrets.length), show(r.displayName)]);
        ctx.print(table(['NAME', 'ENABLED', 'SCOPES', 'URI', 'SECRETS', 'DISPLAY NAME'], rows), { resources });
      },
    },
    {
      name: 'show',
      summary: "Show an API resource and its secrets' ids and dates.",
      args: ['<name>'],
      target: true,
      async run(ctx) {
        const r = await (await ctx.target()).ops.getResource(ctx.args[0]!);
        const text = fields([
          ['name', r.name],
          ['display name', show(r.displayName)],
          ['enabled', String(r.enabled)],
          ['scopes', show(r.scopes)],
          ['uri', show(r.uri)],
        ]);
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

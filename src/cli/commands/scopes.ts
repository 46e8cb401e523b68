import type { CommandSpec } from '../command';
import { show, table } from '../output';

/** `gatehouse scopes ...` */
export const scopesCommand: CommandSpec = {
  name: 'scopes',
  summary: 'Manage API scopes: the permissions clients ask for.',
  subcommands: [
    {
      name: 'add',
      summary: 'Add an API scope.',
      args: ['<name>'],
      options: {
        'display-name': { type: 'string', value: 'TEXT', description: 'A name for people.' },
        description: { type: 'string', value: 'TEXT', description: 'What the scope allows.' },
        disabled: { type: 'boolean', description: 'Add it disabled: it is then neither granted nor advertised.' },
      },
      target: true,
      async run(ctx) {
        const o = ctx.options;
        const scope = await (await ctx.target()).ops.addScope({
          name: ctx.args[0]!,
          ...(o['display-name'] === undefined ? {} : { displayName: o['display-name'] as string }),
          ...(o.description === undefined ? {} : { description: o.description as string }),
          ...(o.disabled ? { enabled: false } : {}),
        });
        ctx.print(`added API scope ${scope.name}\n`, scope);
      },
    },
    {
      name: 'list',
      summary: 'List API scopes.',
      target: true,
      async run(ctx) {
        const scopes = await (await ctx.target()).ops.listScopes();
        ctx.print(table(['NAME', 'ENABLED', 'DISPLAY NAME', 'DESCRIPTION'], scopes.map((s) => [s.name, s.enabled ? 'yes' : 'no', show(s.displayName), show(s.description)])), { scopes });
      },
    },
    {
      name: 'delete',
      summary: 'Delete an API scope that no API resource uses.',
      args: ['<name>'],
      target: true,
      async run(ctx) {
        await (await ctx.target()).ops.deleteScope(ctx.args[0]!);
        ctx.print(`deleted API scope ${ctx.args[0]}\n`, { deleted: ctx.args[0] });
      },
    },
  ],
};

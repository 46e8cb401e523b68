import type { NewScope, ScopeChanges } from '../../admin/operations';
import { ADMIN_SCOPE } from '../../admin/names';
import { oppositeFlags, UsageError, type CommandSpec, type OptionSpec, type OptionValues } from '../command';
import { show, table } from '../output';

const TEXT_OPTIONS: Record<string, OptionSpec> = {
  'display-name': { type: 'string', value: 'TEXT', description: 'A name for people.' },
  description: { type: 'string', value: 'TEXT', description: 'What the scope allows.' },
};

const EXPLICIT_ONLY = `Grant it only to clients that ask for it by name, never by default (${ADMIN_SCOPE} always is).`;

/** The texts given on the command line; absent options are left out. */
function texts(o: OptionValues): Pick<NewScope, 'displayName' | 'description'> {
  return {
    ...(o['display-name'] === undefined ? {} : { displayName: o['display-name'] as string }),
    ...(o.description === undefined ? {} : { description: o.description as string }),
  };
}

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
        ...TEXT_OPTIONS,
        disabled: { type: 'boolean', description: 'Add it disabled: it is then neither granted nor advertised.' },
        'explicit-only': { type: 'boolean', description: EXPLICIT_ONLY },
      },
      target: true,
      async run(ctx) {
        const o = ctx.options;
        const scope = await (await ctx.target()).ops.addScope({
          name: ctx.args[0]!,
          ...texts(o),
          ...(o.disabled ? { enabled: false } : {}),
          ...(o['explicit-only'] ? { explicitOnly: true } : {}),
        });
        ctx.print(`added API scope ${scope.name}\n`, scope);
      },
    },
    {
      name: 'update',
      summary: "Change an API scope's settings; options not given stay as they are.",
      args: ['<name>'],
      options: {
        ...TEXT_OPTIONS,
        enable: { type: 'boolean', description: 'Grant and advertise it again.' },
        disable: { type: 'boolean', description: 'Stop granting and advertising it; tokens already issued keep it.' },
        'explicit-only': { type: 'boolean', description: EXPLICIT_ONLY },
        'no-explicit-only': { type: 'boolean', description: 'Make it one of the default scopes of the clients allowed it.' },
      },
      target: true,
      async run(ctx) {
        const o = ctx.options;
        const enabled = oppositeFlags(o, 'enable', 'disable', 'scopes update');
        const explicitOnly = oppositeFlags(o, 'explicit-only', 'no-explicit-only', 'scopes update');
        const changes: ScopeChanges = {
          ...texts(o),
          ...(enabled === undefined ? {} : { enabled }),
          ...(explicitOnly === undefined ? {} : { explicitOnly }),
        };
        if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give at least one option', 'scopes update');
        const scope = await (await ctx.target()).ops.updateScope(ctx.args[0]!, changes);
        ctx.print(`updated API scope ${scope.name}\n`, scope);
      },
    },
    {
      name: 'list',
      summary: 'List API scopes.',
      target: true,
      async run(ctx) {
        const scopes = await (await ctx.target()).ops.listScopes();
        const rows = scopes.map((s) => [s.name, s.enabled ? 'yes' : 'no', s.explicitOnly ? 'yes' : 'no', show(s.displayName), show(s.description)]);
        ctx.print(table(['NAME', 'ENABLED', 'EXPLICIT ONLY', 'DISPLAY NAME', 'DESCRIPTION'], rows), { scopes });
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

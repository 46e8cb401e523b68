import type { KeyView } from '../../admin/views';
import type { CommandSpec } from '../command';
import { show, table } from '../output';

const iso = (seconds: number | null) => (seconds === null ? '-' : new Date(seconds * 1000).toISOString());

function keysTable(keys: KeyView[]): string {
  return table(['KID', 'ALG', 'STATUS', 'CREATED', 'SIGNS FROM', 'RETIRED'], keys.map((k) => [k.kid, k.alg, k.status, iso(k.createdAt), iso(k.activatesAt), show(k.retiredAt === null ? null : iso(k.retiredAt))]));
}

/** `gatehouse keys ...` */
export const keysCommand: CommandSpec = {
  name: 'keys',
  summary: 'Inspect and rotate the signing keys.',
  subcommands: [
    {
      name: 'list',
      summary: 'List the signing keys in the ring: which signs, which is next, which are retired.',
      target: true,
      async run(ctx) {
        const keys = await (await ctx.target()).ops.listKeys();
        ctx.print(keysTable(keys), { keys });
      },
    },
    {
      name: 'rotate',
      summary: 'Rotate the signing keys now, instead of waiting for the schedule.',
      target: true,
      details: 'The rotation follows the same rules as the scheduled one (docs/keys.md).',
      async run(ctx) {
        const keys = await (await ctx.target()).ops.rotateKeys();
        ctx.print(`rotated the signing keys\n${keysTable(keys)}`, { keys });
      },
    },
  ],
};

import type { CommandSpec } from '../command';

/** `gatehouse tokens ...` */
export const tokensCommand: CommandSpec = {
  name: 'tokens',
  summary: 'Revoke access tokens without the client secret.',
  subcommands: [
    {
      name: 'revoke',
      summary: 'Revoke one access token, named by its jti claim.',
      args: ['<jti>'],
      target: true,
      details: `Validators refuse the token here at once, elsewhere within STORE_CACHE_SECONDS plus KV's
propagation (docs/revocation.md). The revocation is kept for the longest token lifetime (30 days)
plus the validators' leeway, since the token's expiry is not known. To end all of a client's tokens,
use 'gatehouse clients revoke-tokens'.`,
      async run(ctx) {
        const jti = ctx.args[0]!;
        await (await ctx.target()).ops.revokeToken(jti);
        ctx.print(`revoked token ${jti}\n`, { revoked: jti });
      },
    },
  ],
};

import { kvAdminOperations } from '../../admin/kv-operations';
import { ADMIN_RESOURCE, ADMIN_SCOPE, DEFAULT_ADMIN_CLIENT_ID } from '../../admin/names';
import type { AdminOperations } from '../../admin/operations';
import { loadConfig } from '../../config';
import { OAuthError } from '../../errors';
import { UsageError, type CommandSpec } from '../command';
import { openLocalState } from '../local-state';
import { remoteKv } from '../remote-kv';

/** Runs `step`; an existing record (409) is fine, anything else is not. */
async function unlessExists(step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (error) {
    if (error instanceof OAuthError && error.code === 'conflict') return false;
    throw error;
  }
}

async function bootstrap(ops: AdminOperations, clientId: string) {
  await unlessExists(() => ops.addScope({ name: ADMIN_SCOPE, displayName: 'Gatehouse administration', explicitOnly: true }));
  const resourceAdded = await unlessExists(() => ops.addResource({ name: ADMIN_RESOURCE, displayName: 'Gatehouse admin API', scopes: [ADMIN_SCOPE] }));
  if (!resourceAdded && !(await ops.getResource(ADMIN_RESOURCE)).scopes.includes(ADMIN_SCOPE)) {
    throw new Error(`API resource "${ADMIN_RESOURCE}" exists without the ${ADMIN_SCOPE} scope; fix or delete it first`);
  }
  return ops.addClient({
    clientId,
    name: 'Gatehouse administration',
    allowedScopes: [ADMIN_SCOPE],
    // Admin tokens are short-lived: a leaked one is worth little for long.
    accessTokenLifetime: 300,
    secret: { description: 'bootstrap' },
  });
}

/** `gatehouse admin ...` */
export const adminCommand: CommandSpec = {
  name: 'admin',
  summary: 'Set up access to the admin API.',
  subcommands: [
    {
      name: 'bootstrap',
      summary: `Create the ${ADMIN_SCOPE} scope, the ${ADMIN_RESOURCE} API resource and a first admin client; print its secret once.`,
      options: {
        'client-id': { type: 'string', value: 'ID', description: `The admin client's id (default ${DEFAULT_ADMIN_CLIENT_ID}).` },
        remote: {
          type: 'boolean',
          description: "Write to the deployed KV namespace (wrangler.toml's id) with `wrangler kv --remote`; needs `wrangler login`.",
        },
        json: { type: 'boolean', description: 'Print the result as JSON.' },
      },
      details: `Without --remote, works on the local state that \`wrangler dev\` serves (GATEHOUSE_STATE_DIR).
With --remote, it uses your own Cloudflare login, which can already change the Worker and its KV: no
other credential is created, and nothing in the deployed Worker can mint admin clients.
Afterwards, use the admin API through the CLI:
  export GATEHOUSE_URL=https://gatehouse.example GATEHOUSE_CLIENT_ID=<id> GATEHOUSE_CLIENT_SECRET=<secret>
  gatehouse clients list`,
      async run(ctx) {
        if (ctx.options.url !== undefined) throw new UsageError('bootstrap writes KV directly; it takes --remote, not --url', 'admin bootstrap');
        const clientId = (ctx.options['client-id'] as string | undefined) ?? DEFAULT_ADMIN_CLIENT_ID;
        const remote = ctx.options.remote === true;
        const state = remote ? undefined : await openLocalState(process.cwd());
        try {
          const kv = state ? state.env.GATEHOUSE : remoteKv(process.cwd());
          const ops = kvAdminOperations(kv, { allowWeakSecrets: !remote, config: loadConfig(state?.env ?? { GATEHOUSE: kv }) });
          const created = await bootstrap(ops, clientId);
          ctx.print(
            [
              `created admin client ${clientId} (scope ${ADMIN_SCOPE}, API resource ${ADMIN_RESOURCE}) in ${remote ? 'the deployed KV namespace' : 'local state'}`,
              `secret: ${created.secret!.value}`,
              'This is the only time the secret is shown; store it now.',
              '',
            ].join('\n'),
            created,
          );
        } finally {
          await state?.close();
        }
      },
    },
  ],
};

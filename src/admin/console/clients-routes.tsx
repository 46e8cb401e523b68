import { Hono } from 'hono';
import { loggedAdminOperations } from '../logged-operations';
import type { ClientView, CreatedSecret } from '../views';
import { ClientPage, ClientsPage, ConfirmDeletePage, NewClientPage } from './clients-pages';
import { refusal } from './failures';
import { expiryDate, readConsoleForm, wholeNumber } from './form';
import { CONSOLE_PATH } from './paths';
import { page, seeOther } from './respond';
import type { ConsoleEnv } from './sign-in';
import type { Context } from 'hono';

type C = Context<ConsoleEnv>;

const ops = (c: C) => loggedAdminOperations(c.env, c.get('by'));
const clientPath = (id: string) => `${CONSOLE_PATH}/clients/${encodeURIComponent(id)}`;

async function clientPage(c: C, clientId: string, extra: { created?: CreatedSecret; notice?: string; error?: string } = {}, status = 200) {
  const o = ops(c);
  const [client, keys, scopes] = await Promise.all([o.getClient(clientId), o.listClientKeys(clientId), o.listScopes()]);
  return page(c, <ClientPage viewer={c.get('viewer')} client={client} keys={keys} scopes={scopes} {...extra} />, status);
}

/** After a change: the client's page again, with what happened or why it did not. */
async function change(c: C, clientId: string, done: string, act: () => Promise<unknown>) {
  try {
    await act();
  } catch (error) {
    const r = refusal(error);
    // The client itself may be gone: then there is no page of it to show the refusal on.
    if (r.status === 404) throw error;
    return clientPage(c, clientId, { error: r.message }, r.status);
  }
  return clientPage(c, clientId, { notice: done });
}

/** The console's client screens: list and search, the machine-client template, a client's page. */
export const consoleClientRoutes = new Hono<ConsoleEnv>()
  .get('/clients', async (c) => {
    const notice = c.req.query('deleted') ? `Client ${c.req.query('deleted')} was deleted.` : undefined;
    return page(c, <ClientsPage viewer={c.get('viewer')} clients={await ops(c).listClients()} query={c.req.query('q') ?? ''} notice={notice} />);
  })
  .get('/clients/new', async (c) => page(c, <NewClientPage viewer={c.get('viewer')} scopes={await ops(c).listScopes()} />))
  .post('/clients', async (c) => {
    const form = await readConsoleForm(c);
    const chosen = form.all('scope');
    let created: { client: ClientView; secret?: CreatedSecret };
    try {
      const expires = expiryDate(form.text('secretExpires'));
      created = await ops(c).addClient({
        clientId: form.text('clientId') ?? '',
        ...(form.text('name') ? { name: form.text('name') } : {}),
        allowedGrantTypes: ['client_credentials'],
        allowedScopes: chosen,
        accessTokenLifetime: wholeNumber(form.text('accessTokenLifetime'), 'The token lifetime') ?? 3600,
        secret: { description: 'created in the console', ...(expires ? { expires } : {}) },
      });
    } catch (error) {
      const r = refusal(error);
      const values = { clientId: form.text('clientId'), name: form.text('name'), accessTokenLifetime: form.text('accessTokenLifetime'), secretExpires: form.text('secretExpires') };
      return page(c, <NewClientPage viewer={c.get('viewer')} scopes={await ops(c).listScopes()} error={r.message} values={values} chosen={chosen} />, r.status);
    }
    // The secret is shown on this response only: never in a URL, never again.
    return clientPage(c, created.client.clientId, { created: created.secret, notice: `Client ${created.client.clientId} was created.` }, 201);
  })
  .get('/clients/:id', (c) => clientPage(c, c.req.param('id')))
  .post('/clients/:id/enable', (c) => change(c, c.req.param('id'), 'The client is enabled.', () => ops(c).updateClient(c.req.param('id'), { enabled: true })))
  .post('/clients/:id/disable', (c) =>
    change(c, c.req.param('id'), 'The client is disabled: it gets no tokens, and its tokens are refused.', () => ops(c).updateClient(c.req.param('id'), { enabled: false })),
  )
  .post('/clients/:id/settings', async (c) => {
    const form = await readConsoleForm(c);
    const id = c.req.param('id');
    return change(c, id, 'The settings were saved.', () =>
      ops(c).updateClient(id, {
        name: form.text('name') ?? '',
        allowedScopes: form.all('scope'),
        ...(form.text('accessTokenLifetime') ? { accessTokenLifetime: wholeNumber(form.text('accessTokenLifetime'), 'The token lifetime') } : {}),
      }),
    );
  })
  .post('/clients/:id/revoke-tokens', (c) =>
    change(c, c.req.param('id'), 'Every token issued to the client until now is refused.', () => ops(c).revokeClientTokens(c.req.param('id'))),
  )
  .post('/clients/:id/secrets', async (c) => {
    const form = await readConsoleForm(c);
    const id = c.req.param('id');
    let created: CreatedSecret;
    try {
      const expires = expiryDate(form.text('expires'));
      created = await ops(c).addSecret('client', id, { ...(expires ? { expires } : {}), ...(form.text('description') ? { description: form.text('description') } : {}) });
    } catch (error) {
      const r = refusal(error);
      if (r.status === 404) throw error;
      return clientPage(c, id, { error: r.message }, r.status);
    }
    return clientPage(c, id, { created, notice: 'A secret was added.' }, 201);
  })
  .post('/clients/:id/secrets/:secretId/remove', (c) =>
    change(c, c.req.param('id'), `Secret ${c.req.param('secretId')} was removed.`, () => ops(c).removeSecret('client', c.req.param('id'), c.req.param('secretId'))),
  )
  .post('/clients/:id/keys', async (c) => {
    const form = await readConsoleForm(c);
    const text = form.text('key') ?? '';
    return change(c, c.req.param('id'), 'The key was added.', async () => {
      if (text.startsWith('{')) {
        let jwk: Record<string, unknown>;
        try {
          jwk = JSON.parse(text) as Record<string, unknown>;
        } catch {
          return ops(c).addClientKey(c.req.param('id'), { pem: text });
        }
        return ops(c).addClientKey(c.req.param('id'), { jwk });
      }
      return ops(c).addClientKey(c.req.param('id'), { pem: text });
    });
  })
  .post('/clients/:id/keys/:kid/remove', (c) =>
    change(c, c.req.param('id'), `Key ${c.req.param('kid')} was removed.`, () => ops(c).removeClientKey(c.req.param('id'), c.req.param('kid'))),
  )
  .get('/clients/:id/delete', async (c) => {
    const client = await ops(c).getClient(c.req.param('id'));
    return page(
      c,
      <ConfirmDeletePage
        viewer={c.get('viewer')}
        what="client"
        name={client.clientId}
        action={`${clientPath(client.clientId)}/delete`}
        back={clientPath(client.clientId)}
        consequence="It will get no more tokens, and every token it holds is refused from now on. This cannot be undone: a client created again under this id starts afresh."
      />,
    );
  })
  .post('/clients/:id/delete', async (c) => {
    const id = c.req.param('id');
    await ops(c).deleteClient(id);
    return seeOther(`${CONSOLE_PATH}/clients?deleted=${encodeURIComponent(id)}`);
  });

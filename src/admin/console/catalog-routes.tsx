import { Hono, type Context } from 'hono';
import { loggedAdminOperations } from '../logged-operations';
import { ResourceFormPage, resourcePath, ResourcesPage, ScopeFormPage, scopePath, ScopesPage } from './catalog-pages';
import { ConfirmDeletePage } from './clients-pages';
import { refusal } from './failures';
import { readConsoleForm, type ConsoleForm } from './form';
import { CONSOLE_PATH } from './paths';
import { page, seeOther } from './respond';
import type { ConsoleEnv } from './sign-in';

type C = Context<ConsoleEnv>;
const ops = (c: C) => loggedAdminOperations(c.env, c.get('by'));

function scopeFields(form: ConsoleForm) {
  return {
    displayName: form.text('displayName') ?? '',
    description: form.text('description') ?? '',
    enabled: form.text('enabled') === 'true',
    explicitOnly: form.text('explicitOnly') === 'true',
  };
}

function resourceFields(form: ConsoleForm) {
  return { displayName: form.text('displayName') ?? '', enabled: form.text('enabled') === 'true', scopes: form.all('scope') };
}

async function scopes(c: C, notice?: string) {
  return page(c, <ScopesPage viewer={c.get('viewer')} scopes={await ops(c).listScopes()} notice={notice} />);
}

async function resources(c: C, notice?: string) {
  return page(c, <ResourcesPage viewer={c.get('viewer')} resources={await ops(c).listResources()} notice={notice} />);
}

/** After a change from a list: the list again, saying what happened (a refusal gets the error page). */
async function listChange(c: C, list: (c: C, notice?: string) => Promise<Response>, done: string, act: () => Promise<unknown>) {
  await act();
  return list(c, done);
}

/** The API scopes' and API resources' screens: list, create, edit, enable/disable, delete. */
export const consoleCatalogRoutes = new Hono<ConsoleEnv>()
  .get('/scopes', (c) => scopes(c, c.req.query('deleted') ? `API scope ${c.req.query('deleted')} was deleted.` : undefined))
  .get('/scopes/new', (c) => page(c, <ScopeFormPage viewer={c.get('viewer')} />))
  .post('/scopes', async (c) => {
    const form = await readConsoleForm(c);
    // A new scope gets only the texts given; an edit sends empty ones, to clear them.
    const { displayName, description, ...flags } = scopeFields(form);
    const fields = { name: form.text('name') ?? '', ...flags, ...(displayName ? { displayName } : {}), ...(description ? { description } : {}) };
    try {
      await ops(c).addScope(fields);
    } catch (error) {
      const r = refusal(error);
      return page(c, <ScopeFormPage viewer={c.get('viewer')} values={fields} error={r.message} />, r.status);
    }
    return scopes(c, `API scope ${fields.name} was created.`);
  })
  .get('/scopes/:name', async (c) => page(c, <ScopeFormPage viewer={c.get('viewer')} scope={await ops(c).getScope(c.req.param('name'))} />))
  .post('/scopes/:name', async (c) => {
    const name = c.req.param('name');
    const form = await readConsoleForm(c);
    const fields = scopeFields(form);
    const current = await ops(c).getScope(name);
    try {
      const saved = await ops(c).updateScope(name, fields);
      return page(c, <ScopeFormPage viewer={c.get('viewer')} scope={saved} notice="Saved." />);
    } catch (error) {
      const r = refusal(error);
      return page(c, <ScopeFormPage viewer={c.get('viewer')} scope={current} values={fields} error={r.message} />, r.status);
    }
  })
  .post('/scopes/:name/enable', (c) => listChange(c, scopes, `API scope ${c.req.param('name')} is enabled.`, () => ops(c).updateScope(c.req.param('name'), { enabled: true })))
  .post('/scopes/:name/disable', (c) =>
    listChange(c, scopes, `API scope ${c.req.param('name')} is disabled: it is no longer granted.`, () => ops(c).updateScope(c.req.param('name'), { enabled: false })),
  )
  .get('/scopes/:name/delete', async (c) => {
    const scope = await ops(c).getScope(c.req.param('name'));
    return page(
      c,
      <ConfirmDeletePage
        viewer={c.get('viewer')}
        what="API scope"
        name={scope.name}
        action={`${scopePath(scope.name)}/delete`}
        back={scopePath(scope.name)}
        consequence="Clients allowed it can no longer be granted it; tokens that already carry it stay valid until they expire."
      />,
    );
  })
  .post('/scopes/:name/delete', async (c) => {
    await ops(c).deleteScope(c.req.param('name'));
    return seeOther(`${CONSOLE_PATH}/scopes?deleted=${encodeURIComponent(c.req.param('name'))}`);
  })

  .get('/resources', (c) => resources(c, c.req.query('deleted') ? `API resource ${c.req.query('deleted')} was deleted.` : undefined))
  .get('/resources/new', async (c) => page(c, <ResourceFormPage viewer={c.get('viewer')} scopes={await ops(c).listScopes()} />))
  .post('/resources', async (c) => {
    const form = await readConsoleForm(c);
    const uri = form.text('uri');
    const { displayName, ...rest } = resourceFields(form);
    const fields = { name: form.text('name') ?? '', ...rest, ...(displayName ? { displayName } : {}), ...(uri ? { uri } : {}) };
    try {
      await ops(c).addResource(fields);
    } catch (error) {
      const r = refusal(error);
      return page(c, <ResourceFormPage viewer={c.get('viewer')} scopes={await ops(c).listScopes()} values={fields} error={r.message} />, r.status);
    }
    return resources(c, `API resource ${fields.name} was created.`);
  })
  .get('/resources/:name', async (c) => {
    const [resource, all] = await Promise.all([ops(c).getResource(c.req.param('name')), ops(c).listScopes()]);
    return page(c, <ResourceFormPage viewer={c.get('viewer')} resource={resource} scopes={all} />);
  })
  .post('/resources/:name', async (c) => {
    const name = c.req.param('name');
    const form = await readConsoleForm(c);
    const fields = { ...resourceFields(form), uri: form.text('uri') ?? null };
    const [current, all] = await Promise.all([ops(c).getResource(name), ops(c).listScopes()]);
    try {
      const saved = await ops(c).updateResource(name, fields);
      return page(c, <ResourceFormPage viewer={c.get('viewer')} resource={saved} scopes={all} notice="Saved." />);
    } catch (error) {
      const r = refusal(error);
      return page(c, <ResourceFormPage viewer={c.get('viewer')} resource={current} scopes={all} values={{ ...fields, uri: fields.uri }} error={r.message} />, r.status);
    }
  })
  .post('/resources/:name/enable', (c) =>
    listChange(c, resources, `API resource ${c.req.param('name')} is enabled.`, () => ops(c).updateResource(c.req.param('name'), { enabled: true })),
  )
  .post('/resources/:name/disable', (c) =>
    listChange(c, resources, `API resource ${c.req.param('name')} is disabled: tokens are no longer issued for it.`, () =>
      ops(c).updateResource(c.req.param('name'), { enabled: false }),
    ),
  )
  .get('/resources/:name/delete', async (c) => {
    const resource = await ops(c).getResource(c.req.param('name'));
    return page(
      c,
      <ConfirmDeletePage
        viewer={c.get('viewer')}
        what="API resource"
        name={resource.name}
        action={`${resourcePath(resource.name)}/delete`}
        back={resourcePath(resource.name)}
        consequence="Tokens are no longer issued for it, and its secrets no longer work at introspection; tokens already issued for it stay valid until they expire."
      />,
    );
  })
  .post('/resources/:name/delete', async (c) => {
    await ops(c).deleteResource(c.req.param('name'));
    return seeOther(`${CONSOLE_PATH}/resources?deleted=${encodeURIComponent(c.req.param('name'))}`);
  });

import type { ResourceView, ScopeView } from '../views';
import { Csrf, Layout, Notice, type Viewer } from './layout';
import { CONSOLE_PATH } from './paths';

export const scopePath = (name: string) => `${CONSOLE_PATH}/scopes/${encodeURIComponent(name)}`;
export const resourcePath = (name: string) => `${CONSOLE_PATH}/resources/${encodeURIComponent(name)}`;

function Status({ enabled }: { enabled: boolean }) {
  return <span class={`badge ${enabled ? 'on' : 'off'}`}>{enabled ? 'enabled' : 'disabled'}</span>;
}

/** Enable or disable in one click, from a list or a record's page. */
function Toggle(props: { viewer: Viewer; action: string; enabled: boolean; name: string }) {
  return (
    <form method="post" action={`${props.action}/${props.enabled ? 'disable' : 'enable'}`} class="inline">
      <Csrf viewer={props.viewer} />
      <button type="submit" class="secondary" aria-label={`${props.enabled ? 'Disable' : 'Enable'} ${props.name}`}>
        {props.enabled ? 'Disable' : 'Enable'}
      </button>
    </form>
  );
}

/** One row of a catalog list: a scope or a resource. */
interface CatalogRow {
  name: string;
  displayName: string | null;
  enabled: boolean;
  /** The fourth column: how a scope is granted, or a resource's scopes. */
  detail: string;
  path: string;
}

/** The list of API scopes or API resources: name, display name, status, one detail, and a toggle. */
function CatalogListPage(props: {
  viewer: Viewer;
  notice?: string;
  title: string;
  section: 'scopes' | 'resources';
  newLabel: string;
  detailHeader: string;
  rows: CatalogRow[];
}) {
  return (
    <Layout title={props.title} viewer={props.viewer} section={props.section}>
      <h1>{props.title}</h1>
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      <p>
        <a class="button" href={`${CONSOLE_PATH}/${props.section}/new`}>
          {props.newLabel}
        </a>
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="opt">Display name</th>
              <th scope="col">Status</th>
              <th scope="col" class="opt">{props.detailHeader}</th>
              <th scope="col">
                <span class="hint">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr>
                <td>
                  <a href={row.path}>{row.name}</a>
                </td>
                <td class="opt">{row.displayName ?? ''}</td>
                <td>
                  <Status enabled={row.enabled} />
                </td>
                <td class="opt">{row.detail}</td>
                <td>
                  <Toggle viewer={props.viewer} action={row.path} enabled={row.enabled} name={row.name} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

/** The API scopes. */
export function ScopesPage(props: { viewer: Viewer; scopes: ScopeView[]; notice?: string }) {
  const rows = props.scopes.map((s) => ({
    name: s.name,
    displayName: s.displayName,
    enabled: s.enabled,
    detail: s.explicitOnly ? 'only when asked for' : 'by default',
    path: scopePath(s.name),
  }));
  return <CatalogListPage viewer={props.viewer} notice={props.notice} title="API scopes" section="scopes" newLabel="New API scope" detailHeader="Granted" rows={rows} />;
}

/** Create or edit an API scope. */
export function ScopeFormPage(props: { viewer: Viewer; scope?: ScopeView; values?: Partial<ScopeView>; error?: string; notice?: string }) {
  const s = { ...props.scope, ...props.values };
  const editing = props.scope !== undefined;
  return (
    <Layout title={editing ? `API scope ${props.scope!.name}` : 'New API scope'} viewer={props.viewer} section="scopes">
      <p>
        <a href={`${CONSOLE_PATH}/scopes`}>API scopes</a> / {editing ? props.scope!.name : 'new'}
      </p>
      <h1>
        {editing ? props.scope!.name : 'New API scope'} {editing && <Status enabled={props.scope!.enabled} />}
      </h1>
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <form method="post" action={editing ? scopePath(props.scope!.name) : `${CONSOLE_PATH}/scopes`}>
        <Csrf viewer={props.viewer} />
        {!editing && (
          <>
            <label for="name">
              Name <span class="hint">as clients ask for it: printable ASCII, no spaces</span>
            </label>
            <input id="name" name="name" type="text" required value={s.name ?? ''} />
          </>
        )}
        <label for="displayName">Display name</label>
        <input id="displayName" name="displayName" type="text" value={s.displayName ?? ''} />
        <label for="description">Description</label>
        <input id="description" name="description" type="text" value={s.description ?? ''} />
        <fieldset>
          <legend>Options</legend>
          <label>
            <input type="checkbox" name="enabled" value="true" checked={s.enabled ?? true} /> Enabled
          </label>
          <label>
            <input type="checkbox" name="explicitOnly" value="true" checked={s.explicitOnly ?? false} /> Granted only when
            asked for by name
          </label>
        </fieldset>
        <button type="submit">{editing ? 'Save' : 'Create API scope'}</button>
      </form>
      {editing && (
        <p>
          <a class="button danger" href={`${scopePath(props.scope!.name)}/delete`}>
            Delete API scope…
          </a>
        </p>
      )}
    </Layout>
  );
}

/** The API resources. */
export function ResourcesPage(props: { viewer: Viewer; resources: ResourceView[]; notice?: string }) {
  const rows = props.resources.map((r) => ({
    name: r.name,
    displayName: r.displayName,
    enabled: r.enabled,
    detail: r.scopes.join(' '),
    path: resourcePath(r.name),
  }));
  return <CatalogListPage viewer={props.viewer} notice={props.notice} title="API resources" section="resources" newLabel="New API resource" detailHeader="Scopes" rows={rows} />;
}

/** Create or edit an API resource. */
export function ResourceFormPage(props: {
  viewer: Viewer;
  resource?: ResourceView;
  scopes: ScopeView[];
  values?: Partial<ResourceView>;
  error?: string;
  notice?: string;
}) {
  const r = { ...props.resource, ...props.values };
  const editing = props.resource !== undefined;
  const chosen = r.scopes ?? [];
  return (
    <Layout title={editing ? `API resource ${props.resource!.name}` : 'New API resource'} viewer={props.viewer} section="resources">
      <p>
        <a href={`${CONSOLE_PATH}/resources`}>API resources</a> / {editing ? props.resource!.name : 'new'}
      </p>
      <h1>
        {editing ? props.resource!.name : 'New API resource'} {editing && <Status enabled={props.resource!.enabled} />}
      </h1>
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <form method="post" action={editing ? resourcePath(props.resource!.name) : `${CONSOLE_PATH}/resources`}>
        <Csrf viewer={props.viewer} />
        {!editing && (
          <>
            <label for="name">
              Name <span class="hint">the tokens' audience (aud)</span>
            </label>
            <input id="name" name="name" type="text" required value={r.name ?? ''} />
          </>
        )}
        <label for="displayName">Display name</label>
        <input id="displayName" name="displayName" type="text" value={r.displayName ?? ''} />
        <label for="uri">
          Resource indicator <span class="hint">optional; an absolute URI clients may name it by (RFC 8707)</span>
        </label>
        <input id="uri" name="uri" type="url" value={r.uri ?? ''} />
        <fieldset>
          <legend>Scopes it accepts</legend>
          {props.scopes.map((s) => (
            <label>
              <input type="checkbox" name="scope" value={s.name} checked={chosen.includes(s.name)} /> {s.name}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Options</legend>
          <label>
            <input type="checkbox" name="enabled" value="true" checked={r.enabled ?? true} /> Enabled
          </label>
        </fieldset>
        <button type="submit">{editing ? 'Save' : 'Create API resource'}</button>
      </form>
      {editing && (
        <p>
          <a class="button danger" href={`${resourcePath(props.resource!.name)}/delete`}>
            Delete API resource…
          </a>
        </p>
      )}
    </Layout>
  );
}

import { Hono, type Context } from 'hono';
import { OAuthError } from '../../errors';
import { fromIdentityServer, isIdentityServerConfig } from '../identityserver';
import { loggedAdminOperations } from '../logged-operations';
import type { ImportBundle, ImportResult } from '../operations';
import { refusal } from './failures';
import { readConsoleForm } from './form';
import { Csrf, Layout, Notice, type Viewer } from './layout';
import { CONSOLE_PATH } from './paths';
import { page } from './respond';
import type { ConsoleEnv } from './sign-in';

type C = Context<ConsoleEnv>;
type Kind = 'scope' | 'resource' | 'client';

/** One record of the file, and what applying it would do. */
interface PreviewRow {
  kind: Kind;
  name: string;
  action: 'add' | 'replace';
  /** For a replacement: the fields whose values would change. */
  changes: string[];
}

type Obj = Record<string, unknown>;

/** The fields of a record the preview compares, with the default a record without them has. */
const COMPARED: Record<Kind, Record<string, unknown>> = {
  scope: { displayName: null, description: null, enabled: true, explicitOnly: false },
  resource: { displayName: null, enabled: true, scopes: [], uri: null },
  client: { name: null, enabled: true, allowedGrantTypes: [], allowedScopes: [], accessTokenLifetime: 3600, claims: {}, claimsPrefix: 'client_' },
};

function changedFields(kind: Kind, incoming: Obj, existing: Obj): string[] {
  // An empty text is no text: a display name cleared in the console is the same as none.
  const value = (o: Obj, field: string, fallback: unknown) => JSON.stringify(o[field] === '' ? fallback : (o[field] ?? fallback));
  const changes = Object.entries(COMPARED[kind])
    .filter(([field, fallback]) => value(incoming, field, fallback) !== value(existing, field, fallback))
    .map(([field]) => field);
  const secrets = Array.isArray(incoming.secrets) ? incoming.secrets.length : 0;
  if (kind !== 'scope' && Array.isArray(existing.secrets) && secrets !== existing.secrets.length) changes.push(`secrets (${existing.secrets.length} → ${secrets})`);
  return changes;
}

function ImportPage(props: { viewer: Viewer; error?: string; result?: ImportResult }) {
  const r = props.result;
  return (
    <Layout title="Import" viewer={props.viewer} section="import">
      <h1>Import from IdentityServer</h1>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {r && (
        <Notice kind="ok">
          Imported: {r.created.scopes.length + r.created.resources.length + r.created.clients.length} added,{' '}
          {r.replaced.scopes.length + r.replaced.resources.length + r.replaced.clients.length} replaced.
          {r.warnings.length > 0 && (
            <ul>
              {r.warnings.map((w) => (
                <li>{w}</li>
              ))}
            </ul>
          )}
        </Notice>
      )}
      <p>
        Upload an IdentityServer 4 or Duende <code>appsettings.json</code> (its <code>Clients</code>, <code>ApiScopes</code>{' '}
        and <code>ApiResources</code>, at the root or under <code>IdentityServer</code>), or a file of Gatehouse's own records.
        You will see what would be added or changed before anything is written. Client secrets come across as the hashes
        IdentityServer stored.
      </p>
      <form method="post" action={`${CONSOLE_PATH}/import/preview`} enctype="multipart/form-data">
        <Csrf viewer={props.viewer} />
        <label for="file">Configuration file (JSON)</label>
        <input id="file" name="file" type="file" accept=".json,application/json" required />
        <div>
          <button type="submit">Preview</button>
        </div>
      </form>
    </Layout>
  );
}

function PreviewPage(props: { viewer: Viewer; rows: PreviewRow[]; warnings: string[]; bundle: string }) {
  const adds = props.rows.filter((r) => r.action === 'add').length;
  const replaces = props.rows.length - adds;
  return (
    <Layout title="Import preview" viewer={props.viewer} section="import">
      <h1>Import preview</h1>
      <p id="import-summary">
        Applying adds {adds} record(s) and replaces {replaces}. Nothing has been written yet.
      </p>
      {props.warnings.length > 0 && (
        <Notice kind="error">
          <ul>
            {props.warnings.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        </Notice>
      )}
      <div class="table-wrap">
        <table aria-describedby="import-summary">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Name</th>
              <th scope="col">Would be</th>
              <th scope="col">Changes</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr>
                <td>{r.kind === 'scope' ? 'API scope' : r.kind === 'resource' ? 'API resource' : 'client'}</td>
                <td>{r.name}</td>
                <td>{r.action === 'add' ? 'added' : 'replaced'}</td>
                <td>{r.action === 'add' ? '' : r.changes.length > 0 ? r.changes.join(', ') : 'no change'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action={`${CONSOLE_PATH}/import/apply`}>
        <Csrf viewer={props.viewer} />
        <input type="hidden" name="bundle" value={props.bundle} />
        <input type="hidden" name="overwrite" value={replaces > 0 ? 'true' : 'false'} />
        <button type="submit">
          Apply: add {adds}, replace {replaces}
        </button>
        <a class="button secondary" href={`${CONSOLE_PATH}/import`}>
          Cancel
        </a>
      </form>
    </Layout>
  );
}

/** The uploaded file as Gatehouse records: converted when it is an IdentityServer configuration. */
async function bundleOf(text: string): Promise<{ bundle: ImportBundle; warnings: string[] }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_request', 'the file is not JSON');
  }
  if (isIdentityServerConfig(parsed)) return fromIdentityServer(parsed);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OAuthError('invalid_request', 'the file must hold a JSON object');
  return { bundle: parsed as ImportBundle, warnings: [] };
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter((v): v is Obj => typeof v === 'object' && v !== null) : [];
}

async function preview(c: C, bundle: ImportBundle): Promise<PreviewRow[]> {
  const ops = loggedAdminOperations(c.env, c.get('by'));
  const [scopes, resources, clients] = await Promise.all([ops.listScopes(), ops.listResources(), ops.listClients()]);
  const rows: PreviewRow[] = [];
  const add = (kind: Kind, incoming: Obj[], nameField: string, existing: Obj[], existingName: string) => {
    for (const record of incoming) {
      const name = String(record[nameField]);
      const current = existing.find((e) => e[existingName] === name);
      rows.push({ kind, name, action: current ? 'replace' : 'add', changes: current ? changedFields(kind, record, current) : [] });
    }
  };
  add('scope', list(bundle.scopes), 'name', scopes as unknown as Obj[], 'name');
  add('resource', list(bundle.resources), 'name', resources as unknown as Obj[], 'name');
  add('client', list(bundle.clients), 'clientId', clients as unknown as Obj[], 'clientId');
  return rows;
}

/**
 * Import: upload an IdentityServer `appsettings.json` (or Gatehouse records), see what would be
 * added or replaced, then apply it through the admin operations' import (validated whole, nothing
 * written when any record is bad), as `POST /admin/import` does.
 */
export const consoleImportRoutes = new Hono<ConsoleEnv>()
  .get('/import', (c) => page(c, <ImportPage viewer={c.get('viewer')} />))
  .post('/import/preview', async (c) => {
    const form = await readConsoleForm(c);
    try {
      const text = await form.file('file');
      if (text === undefined) throw new OAuthError('invalid_request', 'choose a file to import');
      const { bundle, warnings } = await bundleOf(text);
      return page(c, <PreviewPage viewer={c.get('viewer')} rows={await preview(c, bundle)} warnings={warnings} bundle={JSON.stringify(bundle)} />);
    } catch (error) {
      const r = refusal(error);
      return page(c, <ImportPage viewer={c.get('viewer')} error={r.message} />, r.status);
    }
  })
  .post('/import/apply', async (c) => {
    const form = await readConsoleForm(c);
    try {
      // The records the preview converted, in Gatehouse's shapes: never converted a second time.
      let bundle: ImportBundle;
      try {
        bundle = JSON.parse(form.text('bundle') ?? '') as ImportBundle;
      } catch {
        throw new OAuthError('invalid_request', 'the records to import are not JSON');
      }
      const result = await loggedAdminOperations(c.env, c.get('by')).importBundle(bundle, { overwrite: form.text('overwrite') === 'true' });
      return page(c, <ImportPage viewer={c.get('viewer')} result={result} />);
    } catch (error) {
      const r = refusal(error);
      return page(c, <ImportPage viewer={c.get('viewer')} error={r.message} />, r.status);
    }
  });

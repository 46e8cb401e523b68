import type { ClientKeysView, ClientView, CreatedSecret, ScopeView } from '../views';
import { Csrf, Layout, Notice, type Viewer } from './layout';
import { CONSOLE_PATH } from './paths';

const clientPath = (id: string) => `${CONSOLE_PATH}/clients/${encodeURIComponent(id)}`;

/** A date-time as the page shows it: ISO 8601 in UTC, to the minute. */
/** A one-click removal (a secret, a key) in a table row; `label` names what goes, for screen readers. */
function RemoveButton(props: { viewer: Viewer; action: string; label: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      <Csrf viewer={props.viewer} />
      <button type="submit" class="danger" aria-label={props.label}>
        Remove
      </button>
    </form>
  );
}

export function when(iso: string | number | null): string {
  if (iso === null) return '—';
  const d = typeof iso === 'number' ? new Date(iso * 1000) : new Date(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function Status({ enabled }: { enabled: boolean }) {
  return <span class={`badge ${enabled ? 'on' : 'off'}`}>{enabled ? 'enabled' : 'disabled'}</span>;
}

/** The clients, filtered by a search over id and name. */
export function ClientsPage(props: { viewer: Viewer; clients: ClientView[]; query: string; notice?: string }) {
  const q = props.query.toLowerCase();
  const shown = props.clients.filter((c) => q === '' || c.clientId.toLowerCase().includes(q) || (c.name ?? '').toLowerCase().includes(q));
  return (
    <Layout title="Clients" viewer={props.viewer} section="clients">
      <h1>Clients</h1>
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      <form method="get" action={`${CONSOLE_PATH}/clients`} role="search" class="searchbar">
        <div>
          <label for="q">Search clients</label>
          <input id="q" name="q" type="search" value={props.query} />
        </div>
        <button type="submit" class="secondary">
          Search
        </button>
        <a class="button" href={`${CONSOLE_PATH}/clients/new`}>
          New machine client
        </a>
      </form>
      <p aria-live="polite">
        {shown.length} of {props.clients.length} client(s)
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Client id</th>
              <th scope="col" class="opt">Name</th>
              <th scope="col">Status</th>
              <th scope="col" class="opt">Allowed scopes</th>
              <th scope="col" class="opt">Secrets</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr>
                <td>
                  <a href={clientPath(c.clientId)}>{c.clientId}</a>
                </td>
                <td class="opt">{c.name ?? ''}</td>
                <td>
                  <Status enabled={c.enabled} />
                </td>
                <td class="opt">{c.allowedScopes.join(' ')}</td>
                <td class="opt">{c.secrets.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

function ScopeChoices(props: { scopes: ScopeView[]; chosen: string[]; legend: string }) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.scopes.length === 0 && <p class="hint">No API scopes yet: create one under API scopes.</p>}
      {props.scopes.map((s) => (
        <label>
          <input type="checkbox" name="scope" value={s.name} checked={props.chosen.includes(s.name)} />
          {s.name}
          {s.displayName && <span class="hint">{s.displayName}</span>}
          {!s.enabled && <span class="badge off">disabled</span>}
        </label>
      ))}
    </fieldset>
  );
}

/** The one-time display of a generated secret, with a copy button. */
function SecretOnce({ secret, clientId }: { secret: CreatedSecret; clientId: string }) {
  return (
    <section aria-labelledby="secret-heading" class="notice ok">
      <h2 id="secret-heading">Secret of {clientId}</h2>
      <p>This is the only time the secret is shown. Copy it now and keep it somewhere safe.</p>
      <label for="new-secret">Client secret</label>
      <input id="new-secret" class="secret" type="text" readonly value={secret.value ?? ''} />
      <button type="button" data-copy="new-secret" hidden>
        Copy secret
      </button>
      <span id="new-secret-status" role="status"></span>
      {secret.expires && <p>It expires {when(secret.expires)}.</p>}
    </section>
  );
}

/** The "machine client" template: a client-credentials client with a generated secret. */
export function NewClientPage(props: { viewer: Viewer; scopes: ScopeView[]; error?: string; values?: Record<string, string | undefined>; chosen?: string[] }) {
  const v = props.values ?? {};
  return (
    <Layout title="New machine client" viewer={props.viewer} section="clients">
      <h1>New machine client</h1>
      <p>
        A client that gets tokens for itself with its id and a secret (the client credentials grant). The secret is
        generated and shown once.
      </p>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <form method="post" action={`${CONSOLE_PATH}/clients`}>
        <Csrf viewer={props.viewer} />
        <label for="clientId">
          Client id <span class="hint">1 to 200 characters; how the client names itself</span>
        </label>
        <input id="clientId" name="clientId" type="text" required value={v.clientId ?? ''} />
        <label for="name">Display name</label>
        <input id="name" name="name" type="text" value={v.name ?? ''} />
        <ScopeChoices scopes={props.scopes} chosen={props.chosen ?? []} legend="Allowed scopes" />
        <label for="accessTokenLifetime">
          Token lifetime <span class="hint">seconds</span>
        </label>
        <input id="accessTokenLifetime" name="accessTokenLifetime" type="number" min="1" value={v.accessTokenLifetime ?? '3600'} />
        <label for="secretExpires">
          Secret expires <span class="hint">optional; the secret stops working after this day (UTC)</span>
        </label>
        <input id="secretExpires" name="secretExpires" type="date" value={v.secretExpires ?? ''} />
        <div>
          <button type="submit">Create client</button>
          <a class="button secondary" href={`${CONSOLE_PATH}/clients`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

/** A client: its settings, secrets and keys, with the changes an admin makes to them. */
export function ClientPage(props: {
  viewer: Viewer;
  client: ClientView;
  keys: ClientKeysView;
  scopes: ScopeView[];
  created?: CreatedSecret;
  notice?: string;
  error?: string;
}) {
  const { client, viewer } = props;
  const base = clientPath(client.clientId);
  return (
    <Layout title={`Client ${client.clientId}`} viewer={viewer} section="clients">
      <p>
        <a href={`${CONSOLE_PATH}/clients`}>Clients</a> / {client.clientId}
      </p>
      <h1>
        {client.clientId} <Status enabled={client.enabled} />
      </h1>
      {props.created && <SecretOnce secret={props.created} clientId={client.clientId} />}
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <dl class="facts">
        <dt>Name</dt>
        <dd>{client.name ?? '—'}</dd>
        <dt>Grant types</dt>
        <dd>{client.allowedGrantTypes.join(', ')}</dd>
        <dt>Authentication</dt>
        <dd>{client.authMethods.join(', ')}</dd>
        <dt>DPoP required</dt>
        <dd>{client.requireDPoP ? 'yes' : 'no'}</dd>
        <dt>Tokens refused before</dt>
        <dd>{when(client.tokensNotBefore)}</dd>
      </dl>

      <form method="post" action={`${base}/${client.enabled ? 'disable' : 'enable'}`}>
        <Csrf viewer={viewer} />
        <button type="submit" class={client.enabled ? 'secondary' : ''}>
          {client.enabled ? 'Disable client' : 'Enable client'}
        </button>
        <span class="hint">
          {client.enabled ? 'A disabled client gets no tokens, and its tokens are refused.' : 'It may get tokens again.'}
        </span>
      </form>

      <h2 id="settings">Settings</h2>
      <form method="post" action={`${base}/settings`} aria-labelledby="settings">
        <Csrf viewer={viewer} />
        <label for="name">Display name</label>
        <input id="name" name="name" type="text" value={client.name ?? ''} />
        <ScopeChoices scopes={props.scopes} chosen={client.allowedScopes} legend="Allowed scopes" />
        <label for="accessTokenLifetime">
          Token lifetime <span class="hint">seconds</span>
        </label>
        <input id="accessTokenLifetime" name="accessTokenLifetime" type="number" min="1" value={String(client.accessTokenLifetime)} />
        <div>
          <button type="submit">Save settings</button>
        </div>
      </form>

      <h2 id="secrets">Secrets</h2>
      <div class="table-wrap">
        <table aria-labelledby="secrets">
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col" class="opt">Created</th>
              <th scope="col">Expires</th>
              <th scope="col" class="opt">Description</th>
              <th scope="col">
                <span class="hint">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {client.secrets.map((s) => (
              <tr>
                <td>{s.id ?? '(no id)'}</td>
                <td class="opt">{when(s.created)}</td>
                <td>{s.expires ? when(s.expires) : 'never'}</td>
                <td class="opt">{s.description ?? ''}</td>
                <td>
                  {s.id && (
                    <RemoveButton viewer={viewer} action={`${base}/secrets/${encodeURIComponent(s.id)}/remove`} label={`Remove secret ${s.id}`} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {client.secrets.length === 0 && <p>No secrets.</p>}
      <form method="post" action={`${base}/secrets`}>
        <Csrf viewer={viewer} />
        <label for="expires">
          New secret expires <span class="hint">optional; end of that day, UTC</span>
        </label>
        <input id="expires" name="expires" type="date" />
        <label for="description">Description</label>
        <input id="description" name="description" type="text" maxlength={200} />
        <div>
          <button type="submit">Add a generated secret</button>
        </div>
      </form>

      <h2 id="keys">Keys for private_key_jwt</h2>
      {props.keys.jwksUri && (
        <p>
          Its keys are published at <code>{props.keys.jwksUri}</code>.
        </p>
      )}
      {props.keys.keys.length === 0 && !props.keys.jwksUri && <p>No keys.</p>}
      {props.keys.keys.length > 0 && (
        <div class="table-wrap">
          <table aria-labelledby="keys">
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Type</th>
                <th scope="col" class="opt">Thumbprint</th>
                <th scope="col">
                  <span class="hint">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.keys.keys.map((k) => (
                <tr>
                  <td>{k.kid ?? '(none)'}</td>
                  <td>
                    {k.kty}
                    {k.alg ? ` ${k.alg}` : ''}
                  </td>
                  <td class="opt">{k.thumbprint}</td>
                  <td>
                    <RemoveButton viewer={viewer} action={`${base}/keys/${encodeURIComponent(k.kid ?? k.thumbprint)}/remove`} label={`Remove key ${k.kid ?? k.thumbprint}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!props.keys.jwksUri && (
        <form method="post" action={`${base}/keys`}>
          <Csrf viewer={viewer} />
          <label for="key">
            Add a public key <span class="hint">a PEM public key or certificate, or a public JWK as JSON</span>
          </label>
          <textarea id="key" name="key" rows={5}></textarea>
          <div>
            <button type="submit">Add key</button>
          </div>
        </form>
      )}

      <h2 id="danger">Revoke and delete</h2>
      <form method="post" action={`${base}/revoke-tokens`}>
        <Csrf viewer={viewer} />
        <button type="submit" class="secondary">
          Revoke every token issued so far
        </button>
      </form>
      <p>
        <a class="button danger" href={`${base}/delete`}>
          Delete client…
        </a>
      </p>
    </Layout>
  );
}

/** The confirmation a delete needs: what will happen, and a button that does it. */
export function ConfirmDeletePage(props: { viewer: Viewer; what: string; name: string; action: string; back: string; consequence: string }) {
  return (
    <Layout title={`Delete ${props.what} ${props.name}`} viewer={props.viewer}>
      <h1>
        Delete {props.what} {props.name}?
      </h1>
      <p>{props.consequence}</p>
      <form method="post" action={props.action}>
        <Csrf viewer={props.viewer} />
        <button type="submit" class="danger">
          Delete {props.what} {props.name}
        </button>
        <a class="button secondary" href={props.back}>
          Cancel
        </a>
      </form>
    </Layout>
  );
}

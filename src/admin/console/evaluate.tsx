import { Hono } from 'hono';
import { signingKeyAt } from '../../core/key-ring';
import { accessTokenContent, type AccessTokenContent } from '../../core/tokens';
import { OAuthError } from '../../errors';
import { clientCredentialsTarget } from '../../oauth/grants/client-credentials';
import { issuerFor } from '../../oauth/issuer';
import { servicesFor } from '../../services';
import { loggedAdminOperations } from '../logged-operations';
import type { ClientView } from '../views';
import { Layout, Notice, type Viewer } from './layout';
import { CONSOLE_PATH } from './paths';
import { page } from './respond';
import type { ConsoleEnv } from './sign-in';

/** What Evaluate found: the token's content, or the error the token endpoint would answer. */
type Outcome = { token: AccessTokenContent } | { error: string; description: string };

function EvaluatePage(props: { viewer: Viewer; clients: ClientView[]; clientId?: string; scope?: string; resource?: string; outcome?: Outcome }) {
  const { outcome } = props;
  return (
    <Layout title="Evaluate" viewer={props.viewer} section="evaluate">
      <h1>Evaluate</h1>
      <p>
        Pick a client and the scopes it would ask for, and see the claims its access token would carry, decided by the
        token endpoint's own rules. No token is issued.
      </p>
      <form method="get" action={`${CONSOLE_PATH}/evaluate`}>
        <label for="client">Client</label>
        <select id="client" name="client" required>
          <option value="">Choose a client</option>
          {props.clients.map((c) => (
            <option value={c.clientId} selected={c.clientId === props.clientId}>
              {c.clientId}
              {c.name ? ` (${c.name})` : ''}
            </option>
          ))}
        </select>
        <label for="scope">
          Scopes <span class="hint">separated by spaces; leave empty for the client's default scopes</span>
        </label>
        <input id="scope" name="scope" type="text" value={props.scope ?? ''} />
        <label for="resource">
          Resource indicator <span class="hint">optional (RFC 8707): an API resource's uri or name</span>
        </label>
        <input id="resource" name="resource" type="text" value={props.resource ?? ''} />
        <div>
          <button type="submit">Evaluate</button>
        </div>
      </form>
      {outcome && 'error' in outcome && (
        <Notice kind="error">
          The token endpoint would refuse: <code>{outcome.error}</code>, “{outcome.description}”.
        </Notice>
      )}
      {outcome && 'token' in outcome && (
        <section aria-labelledby="result">
          <h2 id="result">The access token would carry</h2>
          <h3>Header</h3>
          <pre id="token-header">{JSON.stringify(outcome.token.header, null, 2)}</pre>
          <h3>Claims</h3>
          <pre id="token-claims">{JSON.stringify(outcome.token.payload, null, 2)}</pre>
          <p class="hint">Times are as if it were issued now; the jti is random at issue.</p>
        </section>
      )}
    </Layout>
  );
}

/**
 * Evaluate (as Keycloak's console has it): the content of the token a client would get by the
 * client credentials grant with these parameters, through the same steps as the token endpoint
 * (the client enabled and allowed the grant, the scopes and resources granted, the current key),
 * but nothing is signed or issued, and no secret is needed.
 */
export const consoleEvaluateRoutes = new Hono<ConsoleEnv>().get('/evaluate', async (c) => {
  const clients = await loggedAdminOperations(c.env, c.get('by')).listClients();
  const clientId = c.req.query('client') || undefined;
  const scope = c.req.query('scope')?.trim() || undefined;
  const resource = c.req.query('resource')?.trim() || undefined;
  let outcome: Outcome | undefined;
  if (clientId) {
    const services = servicesFor(c.env);
    try {
      const client = await services.clients.find(clientId);
      if (!client) throw new OAuthError('invalid_client', `there is no client "${clientId}"`);
      if (!client.enabled) throw new OAuthError('invalid_client', 'the client is disabled');
      if (!client.allowedGrantTypes.includes('client_credentials')) {
        throw new OAuthError('unauthorized_client', 'this client may not use grant_type "client_credentials"');
      }
      const issuer = issuerFor(services.config, c.req.url);
      const target = clientCredentialsTarget(client, await services.catalog.get(), scope, resource ? [resource] : [], issuer);
      const now = Math.floor(Date.now() / 1000);
      const key = signingKeyAt(await services.keyRing.get(), now);
      if (!key) throw new OAuthError('temporarily_unavailable', 'no signing key is active yet');
      const token = accessTokenContent(
        { issuer, client, scopes: target.scopes, audiences: target.audiences, scopeFormat: services.config.scopeClaimFormat, signer: key, now },
        '(random at issue)',
      );
      outcome = { token };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      outcome = { error: error.code, description: error.message };
    }
  }
  return page(c, <EvaluatePage viewer={c.get('viewer')} clients={clients} clientId={clientId} scope={scope} resource={resource} outcome={outcome} />);
});

import { log } from '../core/log';
import type { Bindings } from '../env';
import { servicesFor } from '../services';
import { kvAdminOperations } from './kv-operations';
import type { AdminChange, AdminOperations } from './operations';

/**
 * The admin operations over the Worker's KV, as the admin API and the admin console use them:
 * each change is logged with who made it (`by`: an admin client id, or `access:<e-mail>` for a
 * console user signed in through Cloudflare Access), and this isolate's cached copies (of the
 * changed record, or of the key ring after a rotation) are dropped.
 */
export function loggedAdminOperations(env: Bindings, by: string): AdminOperations {
  const services = servicesFor(env);
  const ops = kvAdminOperations(env.GATEHOUSE, {
    allowWeakSecrets: false,
    config: services.config,
    // The deployment's one writer of the revocation document; it also applies a revocation to this isolate at once.
    revocations: services.revocations,
    onChange(change: AdminChange) {
      const fields = { action: change.action, by, ...(change.secretId ? { credential_id: change.secretId } : {}) };
      if (change.kind === 'client') {
        services.clients.forget(change.name);
        log('info', 'client_changed', { client_id: change.name, ...fields });
      } else if (change.kind === 'token') {
        log('info', 'token_revoked', { jti: change.name, by });
      } else {
        services.catalog.forget();
        log('info', 'catalog_changed', { [change.kind]: change.name, ...fields });
      }
    },
  });
  return {
    ...ops,
    async rotateKeys() {
      const keys = await ops.rotateKeys();
      // This isolate's JWKS then publishes the new key at once, not after its cached ring expires.
      services.keyRing.forget();
      return keys;
    },
  };
}

import { ConfigError } from './config-error';
import { rotateKeys } from './core/key-rotation';
import { log } from './core/log';
import type { Bindings } from './env';
import { servicesFor } from './services';
import { OAuthError } from './errors';

/**
 * The Cron Trigger (wrangler.toml `[triggers]`): plans and applies key rotation at the scheduled
 * instant, and has the revocation document published (expired entries dropped; a new deployment's
 * document created, carrying in `revoked:{jti}` entries of earlier versions). A failure is logged
 * and rethrown, so the invocation shows as failed in Cloudflare's Cron Events; the next run
 * retries, and until a successor signs the current key keeps signing. One failing step does not
 * stop the other.
 */
export async function runScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  let services;
  try {
    services = servicesFor(env);
  } catch (error) {
    if (error instanceof ConfigError) log('error', 'config_invalid', { setting: error.setting, problem: error.message });
    throw error;
  }
  const steps = await Promise.allSettled([
    rotateKeys(env.GATEHOUSE, services.config, Math.floor(controller.scheduledTime / 1000)).then(() => services.keyRing.forget()),
    services.revocations.publish(),
  ]);
  const events = ['key_rotation_failed', 'revocations_publish_failed'] as const;
  let failure: unknown;
  steps.forEach((step, i) => {
    if (step.status === 'fulfilled') return;
    const error = step.reason;
    log('error', events[i]!, { reason: error instanceof OAuthError ? (error.logDetail ?? error.message) : error instanceof Error ? error.message : String(error) });
    failure ??= error;
  });
  if (failure !== undefined) throw failure;
}

import { ConfigError } from './config-error';
import { rotateKeys } from './core/key-rotation';
import { log } from './core/log';
import type { Bindings } from './env';
import { servicesFor } from './services';
import { OAuthError } from './errors';

/**
 * The Cron Trigger (wrangler.toml `[triggers]`): plans and applies key rotation at the scheduled
 * instant. A failure is logged and rethrown, so the invocation shows as failed in Cloudflare's
 * Cron Events; the next run retries, and until a successor signs the current key keeps signing.
 */
export async function runScheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  try {
    const services = servicesFor(env);
    await rotateKeys(env.GATEHOUSE, services.config, Math.floor(controller.scheduledTime / 1000));
    services.keyRing.forget();
  } catch (error) {
    if (error instanceof ConfigError) log('error', 'config_invalid', { setting: error.setting, problem: error.message });
    else if (error instanceof OAuthError) log('error', 'key_rotation_failed', { reason: error.logDetail ?? error.message });
    else log('error', 'key_rotation_failed', { reason: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

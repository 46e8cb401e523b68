import type { Config } from '../config';
import { forgetKeyRing, type KeyRingRecord } from '../core/key-ring';
import { rotateKeys } from '../core/key-rotation';

/**
 * Rotates the signing keys now, whatever the schedule says: the admin API's and the CLI's
 * `keys rotate`. The schedule itself (propagation and retention) is src/core/key-rotation.ts's.
 */
export async function rotateSigningKeys(kv: KVNamespace, config: Config, now: number): Promise<KeyRingRecord> {
  const ring = await rotateKeys(kv, config, now, { force: true });
  forgetKeyRing();
  return ring;
}

import { Hono, type Context } from 'hono';
import { parseKeyRing } from '../../core/key-ring';
import { planRotation } from '../../core/key-rotation';
import { KEY, parseRecord, readText } from '../../core/store';
import { servicesFor } from '../../services';
import { loggedAdminOperations } from '../logged-operations';
import { KeysPage, rotationStatement } from './keys-page';
import { page } from './respond';
import type { ConsoleEnv } from './sign-in';

/**
 * When the next rotation is due: the pending key's activation when one is published, else when the
 * signing key's interval runs out (src/core/key-rotation.ts publishes its successor ahead of that).
 */
function nextRotation(keys: { status: string; activatesAt: number }[], interval: number): number | undefined {
  const pending = keys.find((k) => k.status === 'next');
  if (pending) return pending.activatesAt;
  const signing = keys.find((k) => k.status === 'signing');
  return signing ? signing.activatesAt + interval : undefined;
}

async function keysPage(c: Context<ConsoleEnv>, notice?: string): Promise<Response> {
  const { config } = servicesFor(c.env);
  const now = Math.floor(Date.now() / 1000);
  const keys = await loggedAdminOperations(c.env, c.get('by')).listKeys();
  // The plan of a forced rotation says what "rotate now" would do, without doing it.
  const raw = await readText(c.env.GATEHOUSE, KEY.keyRing);
  const ring = raw === null ? { keys: [] } : parseRecord(KEY.keyRing, raw, parseKeyRing);
  const plan = planRotation(ring, now, config.keyRotation, { force: true });
  return page(
    c,
    <KeysPage
      viewer={c.get('viewer')}
      keys={keys}
      schedule={config.keyRotation}
      now={now}
      statement={rotationStatement(plan, keys, config.keyRotation, now)}
      nextRotation={nextRotation(keys, config.keyRotation.interval)}
      notice={notice}
    />,
  );
}

/** The signing keys' screen: the timeline and "rotate now". */
export const consoleKeyRoutes = new Hono<ConsoleEnv>()
  .get('/keys', (c) => keysPage(c))
  .post('/keys/rotate', async (c) => {
    const ops = loggedAdminOperations(c.env, c.get('by'));
    const before = new Set((await ops.listKeys()).map((k) => k.kid));
    const added = (await ops.rotateKeys()).find((k) => !before.has(k.kid));
    return keysPage(c, added ? `Key ${added.kid} was published.` : 'Nothing to rotate: a new key is already published.');
  });

import type { RotationPlan } from '../../core/key-rotation';
import type { KeyRotationSettings } from '../../settings';
import type { KeyView } from '../views';
import { when } from './clients-pages';
import { Csrf, Layout, Notice, type Viewer } from './layout';
import { CONSOLE_PATH } from './paths';
import { KeyTimeline, keyRows } from './timeline';

function days(seconds: number): string {
  const d = seconds / 86400;
  return Number.isInteger(d) ? `${d} day${d === 1 ? '' : 's'}` : `${Math.round(seconds / 3600)} hours`;
}

/** In words, what "rotate now" would do to the ring as it is: the plan of a forced rotation. */
export function rotationStatement(plan: RotationPlan, keys: KeyView[], schedule: KeyRotationSettings, now: number): string {
  const signing = keys.find((k) => k.status === 'signing');
  const pending = keys.find((k) => k.status === 'next');
  if (plan.newKeyActivatesAt === undefined) {
    return pending
      ? `Rotating now does nothing: key ${pending.kid} is already published and starts signing ${when(pending.activatesAt)}.`
      : 'Rotating now does nothing.';
  }
  if (plan.newKeyActivatesAt <= now) return `Rotating now creates a ${schedule.alg} key that signs at once (no key signs now).`;
  return (
    `Rotating now publishes a new ${schedule.alg} key in the JWKS at once; it starts signing ${when(plan.newKeyActivatesAt)}, ` +
    `after the propagation period (${days(schedule.propagation)}), so every validator has fetched it first. ` +
    (signing ? `Key ${signing.kid} keeps signing until then, and stays published for ${days(schedule.retention)} more, until every token it signed has expired.` : '')
  );
}

/** The signing keys: the timeline, the table of their times, and "rotate now". */
export function KeysPage(props: {
  viewer: Viewer;
  keys: KeyView[];
  schedule: KeyRotationSettings;
  now: number;
  statement: string;
  nextRotation: number | undefined;
  notice?: string;
}) {
  const rows = keyRows(props.keys, props.schedule);
  const { schedule } = props;
  return (
    <Layout title="Signing keys" viewer={props.viewer} section="keys">
      <h1>Signing keys</h1>
      {props.notice && <Notice kind="ok">{props.notice}</Notice>}
      <p>
        Each key is published in the JWKS before it signs (propagation: {days(schedule.propagation)}), signs for{' '}
        {days(schedule.interval)} until its successor takes over, and stays published for {days(schedule.retention)} after
        that. New keys are {schedule.alg}.
      </p>
      <ul class="legend" aria-hidden="true">
        <li>
          <span class="swatch published"></span>published, not signing yet
        </li>
        <li>
          <span class="swatch signing"></span>signing
        </li>
        <li>
          <span class="swatch retired"></span>retired, still published
        </li>
        <li>faint, dashed: projected</li>
      </ul>
      <div class="timeline-wrap" tabindex={0} aria-label="Timeline; scrolls sideways on a narrow screen">
        <KeyTimeline rows={rows} now={props.now} nextRotation={props.nextRotation} />
      </div>
      <h2 id="key-table">Keys</h2>
      <div class="table-wrap">
        <table aria-labelledby="key-table">
          <thead>
            <tr>
              <th scope="col">Key id</th>
              <th scope="col">Status</th>
              <th scope="col" class="opt">Published</th>
              <th scope="col">Signs from</th>
              <th scope="col">Stops signing</th>
              <th scope="col" class="opt">Leaves the JWKS</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>
                  <code>{r.key.kid}</code> {r.key.alg}
                </td>
                <td>{r.key.status}</td>
                <td class="opt">{when(r.key.createdAt)}</td>
                <td>{when(r.key.activatesAt)}</td>
                <td>{r.key.retiredAt !== null ? when(r.key.retiredAt) : r.periods[r.periods.length - 1]!.projected ? `${when(r.periods[r.periods.length - 1]!.from)} (projected)` : when(r.periods[r.periods.length - 1]!.from)}</td>
                <td class="opt">{when(r.removedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="rotate">Rotate now</h2>
      <p id="rotate-what">{props.statement}</p>
      <form method="post" action={`${CONSOLE_PATH}/keys/rotate`} aria-labelledby="rotate">
        <Csrf viewer={props.viewer} />
        <button type="submit" aria-describedby="rotate-what">
          Rotate now
        </button>
      </form>
    </Layout>
  );
}

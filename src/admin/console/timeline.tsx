import type { KeyRotationSettings } from '../../settings';
import type { KeyView } from '../views';

/** One bar of a key's row: a period of its life, drawn solid when it is scheduled, faint when projected. */
interface Period {
  kind: 'published' | 'signing' | 'retired';
  from: number;
  to: number;
  /** Not yet decided by the ring: what rotation will do if nothing changes. */
  projected: boolean;
}

/** A key's row on the timeline. */
export interface KeyRow {
  key: KeyView;
  periods: Period[];
  /** When the key leaves the JWKS (epoch seconds): its retirement plus the retention period. */
  removedAt: number;
}

/**
 * Each key's periods, derived from the ring's times and the schedule alone (src/core/key-rotation.ts):
 * published from its creation until it signs; signing until the next key activates (or, for the
 * newest, until its interval runs out and the next rotation is due); then published but retired
 * until the retention period ends.
 */
export function keyRows(keys: KeyView[], schedule: KeyRotationSettings): KeyRow[] {
  const byActivation = [...keys].sort((a, b) => a.activatesAt - b.activatesAt);
  return byActivation.map((key, i) => {
    const successor = byActivation[i + 1];
    const stopsAt = key.retiredAt ?? successor?.activatesAt ?? key.activatesAt + schedule.interval;
    const stopKnown = key.retiredAt !== null || successor !== undefined;
    const periods: Period[] = [];
    if (key.createdAt < key.activatesAt) periods.push({ kind: 'published', from: key.createdAt, to: key.activatesAt, projected: false });
    periods.push({ kind: 'signing', from: key.activatesAt, to: stopsAt, projected: !stopKnown });
    periods.push({ kind: 'retired', from: stopsAt, to: stopsAt + schedule.retention, projected: !stopKnown });
    return { key, periods, removedAt: stopsAt + schedule.retention };
  });
}

const DAY = 86400;
const WIDTH = 960;
const LABEL = 170;
const ROW = 34;
const TOP = 46;
const BOTTOM = 34;

const FILL: Record<Period['kind'], string> = { published: '#9ecbff', signing: '#1a7f37', retired: '#c9c9c9' };

function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10);
}

/**
 * The key schedule as a picture, drawn on the server: one row per key with its published, signing
 * and retired periods, a line for today and one for the next rotation. Everything in it is also in
 * the table the page shows beside it, for screen readers and exact times.
 */
export function KeyTimeline(props: { rows: KeyRow[]; now: number; nextRotation: number | undefined }) {
  const { rows, now } = props;
  const starts = rows.flatMap((r) => r.periods.map((p) => p.from));
  const ends = rows.map((r) => r.removedAt);
  const from = Math.min(now - 7 * DAY, ...starts) - DAY;
  const to = Math.max(now + 30 * DAY, ...ends, props.nextRotation ?? 0) + DAY;
  const x = (t: number) => LABEL + ((t - from) / (to - from)) * (WIDTH - LABEL - 10);
  const height = TOP + rows.length * ROW + BOTTOM;

  // A tick on the first of each month (every other month on a long range).
  const ticks: number[] = [];
  const first = new Date(from * 1000);
  const step = to - from > 400 * DAY ? 3 : 1;
  for (let d = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1)); d.getTime() / 1000 < to; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1))) {
    ticks.push(d.getTime() / 1000);
  }
  const summary = rows.map((r) => `${r.key.kid.slice(0, 8)}: ${r.key.status}`).join('; ');

  return (
    <svg class="timeline" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">
      <title id="timeline-title">Signing key timeline</title>
      <desc id="timeline-desc">{`Today is ${day(now)}. ${summary}.${props.nextRotation ? ` Next rotation ${day(props.nextRotation)}.` : ''} The table below gives every date.`}</desc>
      {ticks.map((t) => (
        <g>
          <line x1={x(t)} x2={x(t)} y1={TOP - 6} y2={height - BOTTOM} stroke="#e1e4e8" stroke-width="1" />
          {/* A label that would run off the right edge is left out; its line stays. */}
          {x(t) < WIDTH - 40 && (
            <text x={x(t)} y={height - BOTTOM + 18} font-size="12" text-anchor="middle" fill="#57606a">
              {new Date(t * 1000).toLocaleDateString('en', { month: 'short', year: 'numeric', timeZone: 'UTC' })}
            </text>
          )}
        </g>
      ))}
      {rows.map((r, i) => {
        const y = TOP + i * ROW;
        return (
          <g class="key" data-kid={r.key.kid} data-status={r.key.status}>
            <text x="8" y={y + 21} font-size="13" font-family="ui-monospace, monospace" fill="#1b1f24">
              {`${r.key.kid.slice(0, 10)}…`}
            </text>
            <text x={LABEL - 8} y={y + 21} font-size="11" text-anchor="end" fill="#57606a">
              {r.key.alg}
            </text>
            {r.periods.map((p) => (
              <rect
                class={`period ${p.kind}${p.projected ? ' projected' : ''}`}
                x={x(p.from)}
                y={y + 6}
                width={Math.max(2, x(p.to) - x(p.from))}
                height={ROW - 12}
                rx="3"
                fill={FILL[p.kind]}
                fill-opacity={p.projected ? '0.4' : '1'}
                stroke="#444"
                stroke-width="0.5"
                stroke-dasharray={p.projected ? '4 3' : undefined}
              >
                <title>{`${p.kind}${p.projected ? ' (projected)' : ''}: ${day(p.from)} to ${day(p.to)}`}</title>
              </rect>
            ))}
          </g>
        );
      })}
      {props.nextRotation !== undefined && (
        <g class="next-rotation">
          <line x1={x(props.nextRotation)} x2={x(props.nextRotation)} y1={TOP - 14} y2={height - BOTTOM} stroke="#0b57d0" stroke-width="2" stroke-dasharray="6 4" />
          <text x={x(props.nextRotation) + 4} y={TOP - 16} font-size="12" fill="#0b57d0">
            {`next rotation ${day(props.nextRotation)}`}
          </text>
        </g>
      )}
      <g class="today">
        <line x1={x(now)} x2={x(now)} y1={TOP - 30} y2={height - BOTTOM} stroke="#b3261e" stroke-width="2" />
        <text x={x(now) + 4} y={TOP - 32} font-size="12" fill="#b3261e">
          {`today ${day(now)}`}
        </text>
      </g>
    </svg>
  );
}

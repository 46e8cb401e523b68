import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { servicesFor } from '../../src/services';
import { log, setLogLevel } from '../../src/core/log';
import { app } from '../../src/index';
import { ORIGIN, seedArticle, SECRET } from '../helpers/fixtures';

function captured() {
  const lines: string[] = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
  }
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
  setLogLevel('info');
});

describe('log', () => {
  it('writes one JSON line per event, with sensitive fields redacted', () => {
    const lines = captured();
    log('info', 'token_issued', { client_id: 'client', client_secret: 'hunter2', scope: 'api1' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'info', event: 'token_issued', time: expect.any(String), client_id: 'client', client_secret: '[redacted]', scope: 'api1' });
  });

  it('writes nothing below the level LOG_LEVEL sets', () => {
    const lines = captured();
    setLogLevel('warn');
    log('info', 'token_issued', { client_id: 'client' });
    log('warn', 'client_auth_failed', { client_id: 'client' });
    setLogLevel('error');
    log('warn', 'client_auth_failed', { client_id: 'client' });
    log('error', 'store_unavailable', { key: 'keys' });
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['client_auth_failed', 'store_unavailable']);
  });

  it('takes the level from LOG_LEVEL when the configuration is loaded: no token_issued line at warn', async () => {
    await seedArticle();
    const quiet = { ...env, LOG_LEVEL: 'warn' };
    expect(servicesFor(quiet).config.logLevel).toBe('warn');
    const lines = captured();
    const res = await app.fetch(
      new Request(`${ORIGIN}/connect/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=client&client_secret=${SECRET}`,
      }),
      quiet,
    );
    expect(res.status).toBe(200);
    expect(lines.filter((l) => l.includes('token_issued'))).toEqual([]);
  });
});

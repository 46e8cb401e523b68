import { join } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import type { Bindings } from '../../src/env';

const configPath = join(import.meta.dirname, '..', '..', 'wrangler.toml');

describe('the checked-in wrangler.toml', () => {
  it.each([undefined, 'staging', 'production'])('has valid settings and gateway routes for environment %s', (environment) => {
    const { vars } = unstable_readConfig({ config: configPath, env: environment });
    const config = loadConfig({ ...(vars as unknown as Bindings), GATEHOUSE: undefined as never });
    expect(config.gateway.routes.match('/weatherforecast')?.route).toMatchObject({ audience: ['api1'], scopes: ['api1'], methods: ['GET', 'HEAD'] });
  });

  it('leads the local /weatherforecast route to the demo origin that npm start runs', () => {
    const { vars } = unstable_readConfig({ config: configPath });
    const config = loadConfig({ ...(vars as unknown as Bindings), GATEHOUSE: undefined as never });
    expect(config.gateway.routes.match('/weatherforecast')?.route.origin).toBe('http://127.0.0.1:8788');
  });
});

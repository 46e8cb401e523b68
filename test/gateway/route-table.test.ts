import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../src/gateway/route-table';
import { parseRouteList } from '../../src/gateway/routes';

const table = (prefixes: string[]) =>
  new RouteTable(parseRouteList('GATEWAY_ROUTES', prefixes.map((prefix) => ({ prefix, origin: `https://o.test${prefix}`, audience: 'a' }))));

describe('gateway route table', () => {
  it('matches on segment boundaries, longest prefix first', () => {
    const t = table(['/api', '/api/v2', '/api/v2/admin', '/apix']);
    expect(t.match('/api')).toMatchObject({ route: { prefix: '/api' }, rest: '' });
    expect(t.match('/api/')).toMatchObject({ route: { prefix: '/api' }, rest: '/' });
    expect(t.match('/api/v1/x')).toMatchObject({ route: { prefix: '/api' }, rest: '/v1/x' });
    expect(t.match('/api/v2')).toMatchObject({ route: { prefix: '/api/v2' }, rest: '' });
    expect(t.match('/api/v2x')).toMatchObject({ route: { prefix: '/api' }, rest: '/v2x' });
    expect(t.match('/api/v2/admin/users')).toMatchObject({ route: { prefix: '/api/v2/admin' }, rest: '/users' });
    expect(t.match('/apix/1')).toMatchObject({ route: { prefix: '/apix' } });
    expect(t.match('/ap')).toBeUndefined();
    expect(t.match('/')).toBeUndefined();
    expect(t.match('/other/api')).toBeUndefined();
  });

  it('finds each of 500 routes, sharing first segments, correctly', () => {
    const prefixes = Array.from({ length: 500 }, (_, i) => (i % 2 ? `/svc${i}` : `/shared/svc${i}`));
    const t = table(prefixes);
    expect(t.size).toBe(500);
    for (const prefix of prefixes) expect(t.match(`${prefix}/item`)?.route.prefix).toBe(prefix);
    expect(t.match('/shared/none')).toBeUndefined();
  });
});

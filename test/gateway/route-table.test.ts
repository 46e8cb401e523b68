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

  it('names no alias for a path that is what it says', () => {
    const t = table(['/api', '/api/admin']);
    for (const path of ['/api/x', '/api/admin/x', '/api/administrator', '/api/x/admin', '/api/admins/x', '/api/adm%C3%ADn']) {
      expect(t.match(path)?.alias, path).toBeUndefined();
    }
  });

  it.each([
    ['/api/ADMIN/x', 'letter case'],
    ['/api/Admin', 'letter case'],
    ['/api/adm%C4%B1n/x', 'a dotless i, which .NET upper-cases to I'],
    ['/api/admin./x', 'a trailing dot'],
    ['/api/admin../x', 'trailing dots'],
    ['/api/admin%20/x', 'a trailing space'],
    ['/api/admin%09', 'a trailing tab'],
    ['/api/admin;p=1/x', 'path parameters'],
    ['/api/admin%3Bp=1/x', 'an encoded ";" decoded before parameters are cut'],
    ['/api/;x/admin/y', 'a segment that is only parameters, dropped like an empty one'],
    ['/api/%20/admin', 'a segment that is only white space'],
  ])('matches %s to /api, and names /api/admin as its alias (%s)', (path) => {
    const t = table(['/api', '/api/admin']);
    const match = t.match(path)!;
    expect(match.route.prefix).toBe('/api');
    expect(match.alias?.prefix).toBe('/api/admin');
  });

  it('finds an alias several segments down, and under a route matched exactly', () => {
    const t = table(['/api', '/api/v2', '/api/v2/admin', '/API/root']);
    expect(t.match('/api/V2/Admin/x')).toMatchObject({ route: { prefix: '/api' }, alias: { prefix: '/api/v2' } });
    expect(t.match('/api/v2/ADMIN/x')).toMatchObject({ route: { prefix: '/api/v2' }, alias: { prefix: '/api/v2/admin' } });
    expect(t.match('/api/root')).toMatchObject({ route: { prefix: '/api' }, alias: { prefix: '/API/root' } });
    expect(t.match('/API/root/x')).toMatchObject({ route: { prefix: '/API/root' }, alias: undefined });
  });

  it('finds each of 500 routes, sharing first segments, correctly', () => {
    const prefixes = Array.from({ length: 500 }, (_, i) => (i % 2 ? `/svc${i}` : `/shared/svc${i}`));
    const t = table(prefixes);
    expect(t.size).toBe(500);
    for (const prefix of prefixes) expect(t.match(`${prefix}/item`)?.route.prefix).toBe(prefix);
    expect(t.match('/shared/none')).toBeUndefined();
  });
});

import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runMain } from './in-process';
import { gatehouse } from './run';

// Every command path of the CLI; each must answer --help.
const COMMANDS = [
  [],
  ['clients'], ['clients', 'list'], ['clients', 'show'], ['clients', 'add'], ['clients', 'update'], ['clients', 'enable'], ['clients', 'disable'], ['clients', 'delete'],
  ['clients', 'revoke-tokens'],
  ['clients', 'secrets'], ['clients', 'secrets', 'add'], ['clients', 'secrets', 'list'], ['clients', 'secrets', 'remove'],
  ['clients', 'keys'], ['clients', 'keys', 'add'], ['clients', 'keys', 'list'], ['clients', 'keys', 'remove'],
  ['scopes'], ['scopes', 'add'], ['scopes', 'update'], ['scopes', 'list'], ['scopes', 'delete'],
  ['resources'], ['resources', 'add'], ['resources', 'update'], ['resources', 'list'], ['resources', 'show'], ['resources', 'delete'],
  ['resources', 'secrets'], ['resources', 'secrets', 'add'], ['resources', 'secrets', 'list'], ['resources', 'secrets', 'remove'],
  ['keys'], ['keys', 'list'], ['keys', 'rotate'],
  ['tokens'], ['tokens', 'revoke'],
  ['import'], ['admin'], ['admin', 'bootstrap'], ['seed'],
];

describe('gatehouse --help', () => {
  it('answers --help on every command and subcommand, exit 0, on stdout', async () => {
    const results = [];
    for (const c of COMMANDS) results.push(await runMain([...c, '--help']));
    results.forEach((r, i) => {
      const name = ['gatehouse', ...COMMANDS[i]!].join(' ');
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^Usage: ${name.replace(/ /g, ' ')}( |$)`, 'm'));
      expect(r.stdout).toContain('-h, --help');
    });
  });

  it('documents the target options and the secret rules where they apply', async () => {
    const { stdout } = await runMain(['clients', 'secrets', 'add', '-h']);
    expect(stdout).toContain('Usage: gatehouse clients secrets add <client-id> [options]');
    for (const option of ['--expires DATE', '--description TEXT', '--secret-value VALUE', '--local', '--url URL', '--token TOKEN', '--json']) expect(stdout).toContain(option);
    expect(stdout).toContain('32 random bytes (256 bits)');
  });

  it('documents where a client key comes from and how private_key_jwt is turned on', async () => {
    const keys = await runMain(['clients', 'keys', 'add', '-h']);
    expect(keys.stdout).toContain('Usage: gatehouse clients keys add <client-id> [options]');
    expect(keys.stdout).toContain('--file FILE');
    expect(keys.stdout).toContain('a private key is refused before anything leaves this machine');
    const update = await runMain(['clients', 'update', '-h']);
    for (const option of ['--auth-method METHOD', '--jwks-uri URL', '--no-jwks-uri', '--tls-subject-dn DN', '--tls-thumbprint X5T', '--bind-certificate']) {
      expect(update.stdout).toContain(option);
    }
    expect((await runMain(['resources', 'update', '-h'])).stdout).toContain('--uri URI');
  });
});

describe('the installed command', () => {
  it('runs as node bin/gatehouse.mjs: help on stdout with exit 0, a usage error on stderr with exit 2', async () => {
    const [help, wrong] = await Promise.all([gatehouse(['clients', '--help']), gatehouse(['clients', 'add'])]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: gatehouse clients <command> \[options\]\n/);
    expect(wrong).toEqual({ code: 2, stdout: '', stderr: "gatehouse: missing <client-id>\nRun 'gatehouse clients add --help' for usage.\n" });
  });
});

describe('usage errors: exit 2, a message on stderr, nothing on stdout', () => {
  it.each([
    [[], 'Usage: gatehouse <command>'],
    [['frobnicate'], 'gatehouse: unknown command "frobnicate"\nRun \'gatehouse --help\' for usage.\n'],
    [['clients', 'bogus'], 'gatehouse: unknown command "bogus"\nRun \'gatehouse clients --help\' for usage.\n'],
    [['clients', 'add'], "gatehouse: missing <client-id>\nRun 'gatehouse clients add --help' for usage.\n"],
    [['clients', 'show', 'a', 'b'], 'gatehouse: unexpected argument "b"\nRun \'gatehouse clients show --help\' for usage.\n'],
    [['clients', 'list', '--bogus'], "gatehouse: Unknown option '--bogus'\nRun 'gatehouse clients list --help' for usage.\n"],
    [['clients', 'list', '--url', 'http://gatehouse.example', '--token', 't'], 'gatehouse: --url must use https (http only for localhost), since admin tokens and new secrets travel over it; got "http://gatehouse.example"\n'],
    [['clients', 'list', '--url', 'https://gatehouse.example'], 'gatehouse: --url needs an admin token: --token, GATEHOUSE_TOKEN, or GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET\n'],
    [['clients', 'list', '--url', 'https://gatehouse.example/admin', '--token', 't'], 'gatehouse: --url must be an origin such as https://gatehouse.example; got "https://gatehouse.example/admin"\n'],
    [['clients', 'list', '--local', '--url', 'https://gatehouse.example'], 'gatehouse: choose --local or --url, not both\n'],
    [['clients', 'secrets', 'add', 'c', '--expires', 'someday', '--url', 'https://g.example', '--token', 't'], 'gatehouse: --expires must be an ISO 8601 date or a number of days such as 90d; got "someday"\n'],
    [['clients', 'update', 'c'], "gatehouse: nothing to change: give at least one option\nRun 'gatehouse clients update --help' for usage.\n"],
    [['scopes', 'update', 's'], "gatehouse: nothing to change: give at least one option\nRun 'gatehouse scopes update --help' for usage.\n"],
    [['scopes', 'update', 's', '--enable', '--disable'], "gatehouse: --enable and --disable cannot be combined\nRun 'gatehouse scopes update --help' for usage.\n"],
    [['scopes', 'update', 's', '--explicit-only', '--no-explicit-only'], "gatehouse: --explicit-only and --no-explicit-only cannot be combined\nRun 'gatehouse scopes update --help' for usage.\n"],
    [['tokens', 'revoke'], "gatehouse: missing <jti>\nRun 'gatehouse tokens revoke --help' for usage.\n"],
    [['clients', 'keys', 'add', 'c'], "gatehouse: missing --file\nRun 'gatehouse clients keys add --help' for usage.\n"],
    [['clients', 'keys', 'remove', 'c'], "gatehouse: missing <kid>\nRun 'gatehouse clients keys remove --help' for usage.\n"],
    [['clients', 'update', 'c', '--jwks-uri', 'https://c.example/jwks', '--no-jwks-uri'], "gatehouse: --jwks-uri and --no-jwks-uri cannot be combined\nRun 'gatehouse clients update --help' for usage.\n"],
    [['clients', 'add', 'c', '--tls-subject-dn', 'CN=c', '--tls-san-dns', 'c.example'], "gatehouse: give one of --tls-subject-dn, --tls-san-dns, --tls-san-uri, --tls-san-ip, --tls-san-email; got --tls-subject-dn, --tls-san-dns\nRun 'gatehouse clients add --help' for usage.\n"],
    [['clients', 'update', 'c', '--tls-san-ip', '192.0.2.1', '--no-tls-subject'], "gatehouse: --no-tls-subject cannot be combined with a --tls-subject-dn or --tls-san-* option\nRun 'gatehouse clients update --help' for usage.\n"],
    [['clients', 'update', 'c', '--bind-certificate', '--no-bind-certificate'], "gatehouse: --bind-certificate and --no-bind-certificate cannot be combined\nRun 'gatehouse clients update --help' for usage.\n"],
    [['resources', 'update', 'r'], "gatehouse: nothing to change: give at least one option\nRun 'gatehouse resources update --help' for usage.\n"],
    [['resources', 'update', 'r', '--uri', 'https://r.example/', '--no-uri'], "gatehouse: --uri and --no-uri cannot be combined\nRun 'gatehouse resources update --help' for usage.\n"],
    [['resources', 'update', 'r', '--enable', '--disable'], "gatehouse: --enable and --disable cannot be combined\nRun 'gatehouse resources update --help' for usage.\n"],
    [['clients', 'update', 'c', '--lifetime', '1h'], 'gatehouse: --lifetime must be a whole number of seconds; got "1h"\nRun \'gatehouse clients update --help\' for usage.\n'],
    [['import', 'x.json', '--format', 'yaml'], 'gatehouse: --format must be identityserver or gatehouse; got "yaml"\n'],
    [['seed', '--alg', 'HS256'], 'gatehouse: --alg must be one of RS256, PS256, ES256, EdDSA; got "HS256"\n'],
  ])('gatehouse %j', async (args, message) => {
    const r = await runMain(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(message.replace(/\n$/, ''))).toBe(true);
  });

  it('does not follow a redirect, which would carry the token elsewhere (exit 3)', async () => {
    const server = createServer((_req, res) => res.writeHead(302, { Location: 'https://elsewhere.example/admin/clients' }).end());
    await new Promise<void>((resolve) => server.listen(18301, '127.0.0.1', resolve));
    try {
      const r = await runMain(['clients', 'list', '--url', 'http://127.0.0.1:18301', '--token', 't']);
      expect(r).toEqual({
        code: 3,
        stdout: '',
        stderr: 'gatehouse: http://127.0.0.1:18301 redirects (302) to https://elsewhere.example/admin/clients; give --url the final address\n',
      });
    } finally {
      server.close();
    }
  });

  it('reports an unreachable --url with exit 3', async () => {
    const r = await runMain(['clients', 'list', '--url', 'http://127.0.0.1:18399', '--token', 't']);
    expect(r).toMatchObject({ code: 3, stdout: '' });
    expect(r.stderr).toMatch(/^gatehouse: cannot reach http:\/\/127\.0\.0\.1:18399: /);
  });
});

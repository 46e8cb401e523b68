import type { ClientChanges, NewClient } from '../../admin/operations';
import type { ClaimValue, ClientAuthMethodName, TlsSubjectField } from '../../core/records';
import type { ClientView } from '../../admin/views';
import { UsageError, type CommandSpec, type OptionSpec, type OptionValues } from '../command';
import { fields, indent, show, table } from '../output';
import { clientKeysCommand } from './client-keys';
import { printCreatedSecret, SECRET_OPTIONS, secretInput, secretsCommand, secretsTable } from './secrets';

function claimsOption(values: string[], command: string): Record<string, ClaimValue> {
  const claims: Record<string, string | string[]> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim must be NAME=VALUE; got "${pair}"`, command);
    const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
    const had = claims[name];
    claims[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return claims;
}

function lifetimeOption(value: string, command: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--lifetime must be a whole number of seconds; got "${value}"`, command);
  return Number(value);
}

const SETTING_OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string', value: 'TEXT', description: 'A name for people.' },
  scope: { type: 'string', multiple: true, value: 'SCOPE', description: 'An API scope the client may ask for (repeat for several).' },
  grant: { type: 'string', multiple: true, value: 'TYPE', description: 'An allowed grant type (default client_credentials).' },
  lifetime: { type: 'string', value: 'SECONDS', description: 'Access-token lifetime (default 3600).' },
  claim: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'A claim for its tokens (repeat; a name given twice becomes a list).' },
  'claims-prefix': { type: 'string', value: 'PREFIX', description: 'Put before claim names (default client_, as IdentityServer).' },
  'auth-method': {
    type: 'string',
    multiple: true,
    value: 'METHOD',
    description:
      'How it may authenticate: client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth or self_signed_tls_client_auth (repeat; default the two secret methods).',
  },
  'jwks-uri': { type: 'string', value: 'URL', description: 'Where it publishes its public keys for private_key_jwt (https; http only for localhost).' },
  'require-dpop': { type: 'boolean', description: 'Its tokens must be DPoP-bound (RFC 9449): a token request without a proof is refused.' },
  'no-require-dpop': { type: 'boolean', description: 'Let it get bearer tokens again.' },
  'tls-subject-dn': { type: 'string', value: 'DN', description: 'For tls_client_auth: the subject DN its certificate must have, as RFC 4514 prints it (CN=a,O=b,C=US).' },
  'tls-san-dns': { type: 'string', value: 'NAME', description: 'For tls_client_auth, instead: a DNS name its certificate must hold as a SAN.' },
  'tls-san-uri': { type: 'string', value: 'URI', description: 'For tls_client_auth, instead: a URI SAN.' },
  'tls-san-ip': { type: 'string', value: 'IP', description: 'For tls_client_auth, instead: an IP address SAN.' },
  'tls-san-email': { type: 'string', value: 'EMAIL', description: 'For tls_client_auth, instead: an email SAN.' },
  'tls-thumbprint': {
    type: 'string',
    multiple: true,
    value: 'X5T',
    description: 'For self_signed_tls_client_auth: the x5t#S256 of a certificate it may present (repeat; replaces the list).',
  },
  'bind-certificate': { type: 'boolean', description: 'Bind its tokens to the certificate of its token request (RFC 8705 §3); a request without one is refused.' },
  'no-bind-certificate': { type: 'boolean', description: 'Let it get tokens not bound to a certificate again.' },
};

/** The command-line option of each tls_client_auth subject field. */
const SUBJECT_OPTIONS: Record<string, TlsSubjectField> = {
  'tls-subject-dn': 'tlsClientAuthSubjectDn',
  'tls-san-dns': 'tlsClientAuthSanDns',
  'tls-san-uri': 'tlsClientAuthSanUri',
  'tls-san-ip': 'tlsClientAuthSanIp',
  'tls-san-email': 'tlsClientAuthSanEmail',
};

/** The certificate settings given (docs/mtls.md); exactly one subject option at most (RFC 8705 §2.1.2). */
function certificateOptions(o: OptionValues, command: string): Partial<NewClient> {
  const subjects = Object.keys(SUBJECT_OPTIONS).filter((name) => o[name] !== undefined);
  if (subjects.length > 1) throw new UsageError(`give one of --${Object.keys(SUBJECT_OPTIONS).join(', --')}; got --${subjects.join(', --')}`, command);
  if (o['bind-certificate'] && o['no-bind-certificate']) throw new UsageError('--bind-certificate and --no-bind-certificate cannot be combined', command);
  return {
    ...(subjects[0] === undefined ? {} : { [SUBJECT_OPTIONS[subjects[0]]!]: o[subjects[0]] as string }),
    ...(o['tls-thumbprint'] ? { tlsClientCertificateThumbprints: o['tls-thumbprint'] as string[] } : {}),
    ...(o['bind-certificate'] ? { tlsClientCertificateBoundAccessTokens: true } : {}),
    ...(o['no-bind-certificate'] ? { tlsClientCertificateBoundAccessTokens: false } : {}),
  };
}

const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'];

const KEY_DETAILS = `A client that uses private_key_jwt needs public keys: its own held in Gatehouse (gatehouse clients
keys add), or a --jwks-uri where it publishes them, not both. To move a client to private_key_jwt
only: add its keys, then update it with --auth-method private_key_jwt.`;

function requireDpopOption(o: OptionValues, command: string): { requireDPoP?: boolean } {
  if (o['require-dpop'] && o['no-require-dpop']) throw new UsageError('--require-dpop and --no-require-dpop cannot be combined', command);
  if (o['require-dpop']) return { requireDPoP: true };
  if (o['no-require-dpop']) return { requireDPoP: false };
  return {};
}

/** The client settings given on the command line; absent options are left out. */
function settings(o: OptionValues, command: string): Partial<Omit<NewClient, 'clientId' | 'secret'>> {
  return {
    ...(o.name === undefined ? {} : { name: o.name as string }),
    ...(o.grant ? { allowedGrantTypes: o.grant as string[] } : {}),
    ...(o.scope ? { allowedScopes: o.scope as string[] } : {}),
    ...(o.lifetime === undefined ? {} : { accessTokenLifetime: lifetimeOption(o.lifetime as string, command) }),
    ...(o.claim ? { claims: claimsOption(o.claim as string[], command) } : {}),
    ...(o['claims-prefix'] === undefined ? {} : { claimsPrefix: o['claims-prefix'] as string }),
    ...(o['auth-method'] ? { authMethods: o['auth-method'] as ClientAuthMethodName[] } : {}),
    ...(o['jwks-uri'] === undefined ? {} : { jwksUri: o['jwks-uri'] as string }),
    ...requireDpopOption(o, command),
    ...certificateOptions(o, command),
  };
}

/** Epoch seconds as an ISO 8601 date, for people. */
function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** The registered tls_client_auth subject as `field=value`, or null. */
function certificateSubject(c: ClientView): string | null {
  const field = Object.values(SUBJECT_OPTIONS).find((f) => c[f] !== null);
  return field === undefined ? null : `${field}=${c[field]}`;
}

function clientDetails(c: ClientView): string {
  const claims = Object.entries(c.claims).map(([k, v]) => `${c.claimsPrefix}${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  return (
    fields([
      ['client id', c.clientId],
      ['name', show(c.name)],
      ['enabled', String(c.enabled)],
      ['grant types', show(c.allowedGrantTypes)],
      ['scopes', show(c.allowedScopes)],
      ['token lifetime', `${c.accessTokenLifetime} s`],
      ['claims', show(claims)],
      ['auth methods', show(c.authMethods)],
      ['jwks uri', show(c.jwksUri)],
      ['requires DPoP', String(c.requireDPoP)],
      ['certificate subject', show(certificateSubject(c))],
      ['cert thumbprints', show(c.tlsClientCertificateThumbprints)],
      ['binds to certificate', String(c.tlsClientCertificateBoundAccessTokens)],
      ['keys', show(c.keyIds.map((kid) => kid ?? '(no kid)'))],
      ['tokens not before', c.tokensNotBefore === null ? '-' : isoDate(c.tokensNotBefore)],
    ]) + `secrets:\n${indent(secretsTable(c.secrets))}`
  );
}

function enableCommand(enabled: boolean): CommandSpec {
  return {
    name: enabled ? 'enable' : 'disable',
    summary: enabled
      ? 'Let a client get tokens again; its unexpired tokens are accepted again too.'
      : 'Stop a client from getting tokens and have the tokens it has refused; its secrets and settings are kept.',
    args: ['<client-id>'],
    target: true,
    async run(ctx) {
      const client = await (await ctx.target()).ops.updateClient(ctx.args[0]!, { enabled });
      ctx.print(`${enabled ? 'enabled' : 'disabled'} client ${client.clientId}\n`, client);
    },
  };
}

/** `gatehouse clients ...` */
export const clientsCommand: CommandSpec = {
  name: 'clients',
  summary: 'Manage clients: the applications that get access tokens.',
  subcommands: [
    {
      name: 'list',
      summary: 'List clients.',
      target: true,
      async run(ctx) {
        const clients = await (await ctx.target()).ops.listClients();
        const rows = clients.map((c) => [c.clientId, c.enabled ? 'yes' : 'no', show(c.allowedScopes), String(c.secrets.length), show(c.name)]);
        ctx.print(table(['CLIENT ID', 'ENABLED', 'SCOPES', 'SECRETS', 'NAME'], rows), { clients });
      },
    },
    {
      name: 'show',
      summary: "Show a client's settings and its secrets' ids and dates.",
      args: ['<client-id>'],
      target: true,
      async run(ctx) {
        const client = await (await ctx.target()).ops.getClient(ctx.args[0]!);
        ctx.print(clientDetails(client), client);
      },
    },
    {
      name: 'add',
      summary: 'Add a client for the client credentials grant, with a generated secret printed once.',
      args: ['<client-id>'],
      options: {
        ...SETTING_OPTIONS,
        disabled: { type: 'boolean', description: 'Add it disabled.' },
        'no-secret': { type: 'boolean', description: 'Add it without a secret (the default when --auth-method names no secret method).' },
        ...SECRET_OPTIONS,
      },
      target: true,
      details: KEY_DETAILS,
      async run(ctx) {
        const o = ctx.options;
        const secretOptions = o['secret-value'] !== undefined || o.expires !== undefined || o.description !== undefined;
        if (o['no-secret'] && secretOptions) {
          throw new UsageError('--no-secret cannot be combined with --secret-value, --expires or --description', 'clients add');
        }
        // A client that may not authenticate with a secret gets none, unless one is asked for (and refused).
        const methods = o['auth-method'] as string[] | undefined;
        const secretless = o['no-secret'] || (methods !== undefined && !methods.some((m) => SECRET_METHODS.includes(m)) && !secretOptions);
        const target = await ctx.target();
        const input: NewClient = {
          clientId: ctx.args[0]!,
          allowedScopes: [],
          ...settings(o, 'clients add'),
          ...(o.disabled ? { enabled: false } : {}),
          ...(secretless ? {} : { secret: await secretInput(ctx, o, target.kind === 'local') }),
        };
        const created = await target.ops.addClient(input);
        if (created.secret) {
          printCreatedSecret(ctx, `new client ${created.client.clientId}`, created.secret, created);
        } else {
          ctx.print(`added client ${created.client.clientId} (no secret)\n`, created);
        }
      },
    },
    {
      name: 'update',
      summary: "Change a client's settings; options not given stay as they are (--scope, --claim and --auth-method replace the lists).",
      args: ['<client-id>'],
      options: {
        ...SETTING_OPTIONS,
        'no-jwks-uri': { type: 'boolean', description: 'Clear its jwks uri.' },
        'no-tls-subject': { type: 'boolean', description: 'Clear its tls_client_auth subject.' },
        'no-tls-thumbprints': { type: 'boolean', description: 'Clear its self_signed_tls_client_auth thumbprints.' },
      },
      target: true,
      details: KEY_DETAILS,
      async run(ctx) {
        if (ctx.options['jwks-uri'] !== undefined && ctx.options['no-jwks-uri']) {
          throw new UsageError('--jwks-uri and --no-jwks-uri cannot be combined', 'clients update');
        }
        if (ctx.options['no-tls-subject'] && Object.keys(SUBJECT_OPTIONS).some((name) => ctx.options[name] !== undefined)) {
          throw new UsageError('--no-tls-subject cannot be combined with a --tls-subject-dn or --tls-san-* option', 'clients update');
        }
        if (ctx.options['tls-thumbprint'] !== undefined && ctx.options['no-tls-thumbprints']) {
          throw new UsageError('--tls-thumbprint and --no-tls-thumbprints cannot be combined', 'clients update');
        }
        const changes: ClientChanges = {
          ...settings(ctx.options, 'clients update'),
          ...(ctx.options['no-jwks-uri'] ? { jwksUri: null } : {}),
          ...(ctx.options['no-tls-subject'] ? Object.fromEntries(Object.values(SUBJECT_OPTIONS).map((f) => [f, null])) : {}),
          ...(ctx.options['no-tls-thumbprints'] ? { tlsClientCertificateThumbprints: null } : {}),
        };
        if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give at least one option', 'clients update');
        const client = await (await ctx.target()).ops.updateClient(ctx.args[0]!, changes);
        ctx.print(`updated client ${client.clientId}\n`, client);
      },
    },
    enableCommand(true),
    enableCommand(false),
    {
      name: 'delete',
      summary: 'Delete a client; the tokens it has are refused from then on.',
      args: ['<client-id>'],
      target: true,
      async run(ctx) {
        await (await ctx.target()).ops.deleteClient(ctx.args[0]!);
        ctx.print(`deleted client ${ctx.args[0]}\n`, { deleted: ctx.args[0] });
      },
    },
    {
      name: 'revoke-tokens',
      summary: 'Refuse every token the client has been issued until now; it can get new ones.',
      args: ['<client-id>'],
      target: true,
      details: `Sets the client's tokensNotBefore past the current second: validators refuse its tokens issued
before it, here at once, elsewhere within STORE_CACHE_SECONDS plus KV's propagation (docs/revocation.md).
Tokens it gets from then on are accepted. To stop it getting new ones, disable the client too.`,
      async run(ctx) {
        const client = await (await ctx.target()).ops.revokeClientTokens(ctx.args[0]!);
        ctx.print(`revoked the tokens of client ${client.clientId} issued before ${isoDate(client.tokensNotBefore!)}\n`, client);
      },
    },
    secretsCommand('client'),
    clientKeysCommand,
  ],
};

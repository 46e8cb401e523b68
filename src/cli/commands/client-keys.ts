import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { NewClientKey } from '../../admin/operations';
import type { ClientKeysView } from '../../admin/views';
import { publicJwk, publicJwkFromPem } from '../../core/client-keys';
import { UsageError, type CommandSpec } from '../command';
import { show, table } from '../output';

const ADD_DETAILS = `The file holds one public key: a PEM public key (BEGIN PUBLIC KEY), a PEM X.509 certificate
(BEGIN CERTIFICATE; only its public key is kept), or a JWK in JSON. It must be RSA (2048 bits or
more), EC on P-256, or Ed25519. The key is read and checked here, and only its public JWK is sent:
a private key is refused before anything leaves this machine. Its kid is the JWK's own, else its
RFC 7638 thumbprint. A client holds at most 10 keys.`;

/**
 * The key in a file, as the public JWK to add. Converted on this machine rather than sent as is,
 * so a private key given by mistake goes nowhere.
 */
async function keyFromFile(file: string): Promise<NewClientKey> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (text.includes('-----BEGIN')) return { jwk: await publicJwkFromPem(text) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is neither a PEM public key or certificate nor a JWK in JSON`);
  }
  if (typeof parsed === 'object' && parsed !== null && 'keys' in parsed) {
    throw new Error(`${path} is a key set (JWKS): give one JWK per file, or the key set's URL with clients update --jwks-uri`);
  }
  return { jwk: await publicJwk(parsed) };
}

function keysText(view: ClientKeysView): string {
  if (view.jwksUri) return `the client publishes its keys at ${view.jwksUri}; Gatehouse fetches them when it authenticates\n`;
  return table(['KID', 'KTY', 'ALG', 'THUMBPRINT'], view.keys.map((k) => [show(k.kid), k.kty, show(k.alg), k.thumbprint]));
}

/** `gatehouse clients keys ...`: the public keys a client signs its private_key_jwt assertions with. */
export const clientKeysCommand: CommandSpec = {
  name: 'keys',
  summary: 'Manage the public keys with which a client authenticates by private_key_jwt.',
  subcommands: [
    {
      name: 'add',
      summary: 'Add a public key to a client, from a PEM public key, a PEM certificate or a JWK file.',
      args: ['<client-id>'],
      options: { file: { type: 'string', value: 'FILE', description: 'The key: key.pem, cert.pem or key.json.' } },
      target: true,
      details: ADD_DETAILS,
      async run(ctx) {
        const file = ctx.options.file as string | undefined;
        if (file === undefined) throw new UsageError('missing --file', 'clients keys add');
        const clientId = ctx.args[0]!;
        const input = await keyFromFile(file);
        const { ops } = await ctx.target();
        const key = await ops.addClientKey(clientId, input);
        ctx.print(`added key ${key.kid} to client ${clientId}\n`, key);
        if (!(await ops.getClient(clientId)).authMethods.includes('private_key_jwt')) {
          ctx.warn(`note: client ${clientId} does not use private_key_jwt yet; to let it, update its --auth-method list (gatehouse clients update --help)`);
        }
      },
    },
    {
      name: 'list',
      summary: "List a client's public keys: kid, type, algorithm and thumbprint, or the URL it publishes them at.",
      args: ['<client-id>'],
      target: true,
      async run(ctx) {
        const view = await (await ctx.target()).ops.listClientKeys(ctx.args[0]!);
        ctx.print(keysText(view), view);
      },
    },
    {
      name: 'remove',
      summary: "Remove one of a client's public keys by its kid (a key without one: by its thumbprint).",
      args: ['<client-id>', '<kid>'],
      target: true,
      async run(ctx) {
        await (await ctx.target()).ops.removeClientKey(ctx.args[0]!, ctx.args[1]!);
        ctx.print(`removed key ${ctx.args[1]} from client ${ctx.args[0]}\n`, { removed: ctx.args[1] });
      },
    },
  ],
};

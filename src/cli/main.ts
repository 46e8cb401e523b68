import { setLogWriter } from '../core/log';
import { OAuthError } from '../errors';
import { helpText, parseCommand, resolve, TargetError, UsageError, type CommandContext, type CommandSpec } from './command';
import { adminCommand } from './commands/admin';
import { clientsCommand } from './commands/clients';
import { importCommand } from './commands/import';
import { keysCommand } from './commands/keys';
import { resourcesCommand } from './commands/resources';
import { scopesCommand } from './commands/scopes';
import { seedCommand } from './commands/seed';
import { tokensCommand } from './commands/tokens';
import { openTarget, type OpenTarget } from './target';

/** Exit codes, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** The request was refused or failed: not found, already exists, invalid value, weak secret, unreadable file. */
  refused: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The target failed: unreachable, admin token refused, server error, local state unusable. */
  target: 3,
} as const;

const ROOT: CommandSpec = {
  name: 'gatehouse',
  summary: 'Manage a Gatehouse: clients, API scopes, API resources, signing keys, token revocation.',
  subcommands: [clientsCommand, scopesCommand, resourcesCommand, keysCommand, tokensCommand, importCommand, adminCommand, seedCommand],
};

function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof OAuthError) return error.status === 401 || error.status === 403 || error.status >= 500 ? EXIT.target : EXIT.refused;
  if (error instanceof TargetError) return EXIT.target;
  return EXIT.refused;
}

/** Runs the CLI with its arguments (without `node` and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The admin operations log as they do in the Worker; here those lines go to stderr, beside the output.
  setLogWriter((_level, line) => process.stderr.write(`${line}\n`));
  const { spec, path, rest } = resolve(ROOT, argv);
  const helpFor = (p: string[]) => `Run '${['gatehouse', ...p].join(' ')} --help' for usage.\n`;
  let target: OpenTarget | undefined;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(helpText(spec, path));
      return EXIT.ok;
    }
    if (spec.subcommands) {
      if (rest.length === 0) {
        process.stderr.write(helpText(spec, path));
        return EXIT.usage;
      }
      throw new UsageError(`unknown command "${rest[0]}"`, path.join(' '));
    }
    const { args, options } = parseCommand(spec, path, rest);
    const json = options.json === true;
    const ctx: CommandContext = {
      args,
      options,
      async target() {
        target ??= await openTarget(options, process.env, process.cwd());
        return target;
      },
      print(human, data) {
        process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : human);
      },
      warn(text) {
        process.stderr.write(`${text}\n`);
      },
    };
    await spec.run!(ctx);
    return EXIT.ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`gatehouse: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write(helpFor(error.command ? error.command.split(' ') : path));
    return exitCodeOf(error);
  } finally {
    await target?.close();
  }
}

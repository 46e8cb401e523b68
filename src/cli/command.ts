import { parseArgs } from 'node:util';
import type { AdminOperations } from '../admin/operations';

/** A command-line mistake: unknown command or option, missing argument. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose help to point at, e.g. "clients add". */
    readonly command = '',
  ) {
    super(message);
  }
}

/** The target cannot be used: unreachable, local state missing or unreadable. Exit code 3. */
export class TargetError extends Error {
  override readonly name: string = 'TargetError';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help, e.g. "DATE". */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` is given. */
export interface CommandContext {
  /** Positional arguments, checked against the spec's `args`. */
  args: string[];
  options: OptionValues;
  /** The state the command works on: local state or a deployed Gatehouse's admin API. */
  target(): Promise<Target>;
  /** Prints a result: `human` as text, or `json` as JSON with `--json`. */
  print(human: string, json: unknown): void;
  /** A note on stderr, never mixed with the result. */
  warn(text: string): void;
}

export interface Target {
  kind: 'local' | 'remote';
  ops: AdminOperations;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments: "<name>" required, "[name]" optional. */
  args?: string[];
  options?: Record<string, OptionSpec>;
  /** Whether the command works on a target (and so takes --local, --url, --token). */
  target?: boolean;
  /** More help text, printed after the options. */
  details?: string;
  subcommands?: CommandSpec[];
  run?: (ctx: CommandContext) => Promise<void>;
}

export const HELP_OPTION: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
};

export const TARGET_OPTIONS: Record<string, OptionSpec> = {
  local: { type: 'boolean', description: 'Work on the local state that `wrangler dev` serves (the default).' },
  url: { type: 'string', value: 'URL', description: 'Work on the deployed Gatehouse at URL through its admin API (env GATEHOUSE_URL).' },
  token: { type: 'string', value: 'TOKEN', description: 'Admin access token for --url (env GATEHOUSE_TOKEN; or set GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET).' },
  json: { type: 'boolean', description: 'Print the result as JSON.' },
};

function optionsOf(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...(spec.options ?? {}), ...(spec.target ? TARGET_OPTIONS : {}), ...HELP_OPTION };
}

function optionLabel(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

/** The help text of a command, built from its spec so it cannot drift from what is parsed. */
export function helpText(spec: CommandSpec, path: string[]): string {
  const name = ['gatehouse', ...path].join(' ');
  const lines: string[] = [];
  if (spec.subcommands) {
    lines.push(`Usage: ${name} <command> [options]`, '', spec.summary, '', 'Commands:');
    const width = Math.max(...spec.subcommands.map((s) => s.name.length)) + 2;
    for (const sub of spec.subcommands) lines.push(`  ${sub.name.padEnd(width)}${sub.summary}`);
    lines.push('', `Run '${name} <command> --help' for a command's options.`);
  } else {
    lines.push(`Usage: ${[name, ...(spec.args ?? [])].join(' ')} [options]`, '', spec.summary);
  }
  const options = spec.subcommands ? HELP_OPTION : optionsOf(spec);
  const labels = Object.entries(options).map(([n, o]) => [optionLabel(n, o), o.description] as const);
  const width = Math.max(...labels.map(([l]) => l.length)) + 2;
  lines.push('', 'Options:', ...labels.map(([l, d]) => `  ${l.padEnd(width)}${d}`));
  if (spec.details) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

export interface Resolved {
  spec: CommandSpec;
  path: string[];
  rest: string[];
}

/** Finds the command an argument list names: the longest chain of subcommand names. */
export function resolve(root: CommandSpec, argv: string[]): Resolved {
  let spec = root;
  const path: string[] = [];
  let i = 0;
  while (spec.subcommands && i < argv.length) {
    const next = spec.subcommands.find((s) => s.name === argv[i]);
    if (!next) break;
    spec = next;
    path.push(argv[i]!);
    i++;
  }
  return { spec, path, rest: argv.slice(i) };
}

/** A pair of opposite flags: true for `yes`, false for `no`, undefined for neither; both is a mistake. */
export function oppositeFlags(o: OptionValues, yes: string, no: string, command: string): boolean | undefined {
  if (o[yes] && o[no]) throw new UsageError(`--${yes} and --${no} cannot be combined`, command);
  return o[yes] ? true : o[no] ? false : undefined;
}

/** Parses a command's options and positionals strictly; any mistake is a {@link UsageError}. */
export function parseCommand(spec: CommandSpec, path: string[], rest: string[]): { args: string[]; options: OptionValues } {
  const command = path.join(' ');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: Object.fromEntries(
        Object.entries(optionsOf(spec)).map(([n, o]) => [n, { type: o.type, multiple: o.multiple ?? false, ...(o.short ? { short: o.short } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
  const declared = spec.args ?? [];
  const required = declared.filter((a) => a.startsWith('<')).length;
  if (parsed.positionals.length < required) throw new UsageError(`missing ${declared[parsed.positionals.length]}`, command);
  if (parsed.positionals.length > declared.length) throw new UsageError(`unexpected argument "${parsed.positionals[declared.length]}"`, command);
  return { args: parsed.positionals, options: parsed.values as OptionValues };
}

import { ConfigError } from '../../config-error';

/** Cloudflare Access in front of the console: whose `Cf-Access-Jwt-Assertion` to trust, and whom to let in. */
export interface AccessSettings {
  /** The team's origin, `https://<team>.cloudflareaccess.com`: the tokens' `iss`. */
  teamOrigin: string;
  /** Where the team publishes its signing keys. */
  certsUrl: string;
  /** The Access application's audience tag: the tokens' `aud`. */
  audience: string;
  /** E-mail addresses let in, lower-cased; empty when only groups are named. */
  emails: string[];
  /** Groups let in (a token's `groups` claim); empty when only e-mail addresses are named. */
  groups: string[];
}

/** The admin console's settings (docs/console.md). */
export interface ConsoleSettings {
  /** Longest life of a console session signed in with an admin client, in seconds. */
  sessionSeconds: number;
  /** Set when the console is deployed behind Cloudflare Access: then only Access identities sign in. */
  access: AccessSettings | undefined;
}

/** The settings the console reads. */
export interface ConsoleBindings {
  CONSOLE_SESSION_SECONDS?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  ACCESS_ALLOWED_EMAILS?: string;
  ACCESS_ALLOWED_GROUPS?: string;
}

/** A session lasts 15 minutes unless set otherwise: an admin's browser holds power over every client. */
const DEFAULT_SESSION_SECONDS = 900;

function list(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

function teamOrigin(value: string): string {
  // `myteam.cloudflareaccess.com` or `https://myteam.cloudflareaccess.com`, nothing else.
  const host = value.replace(/^https:\/\//, '').replace(/\/$/, '');
  if (!/^[a-z0-9-]+\.cloudflareaccess\.com$/i.test(host)) {
    throw new ConfigError('ACCESS_TEAM_DOMAIN', `must be your team domain, <team>.cloudflareaccess.com; got "${value}"`);
  }
  return `https://${host.toLowerCase()}`;
}

/** Validates the console's settings once, with a message naming the bad one; throws {@link ConfigError}. */
export function loadConsoleSettings(env: ConsoleBindings): ConsoleSettings {
  let sessionSeconds = DEFAULT_SESSION_SECONDS;
  if (env.CONSOLE_SESSION_SECONDS !== undefined && env.CONSOLE_SESSION_SECONDS !== '') {
    if (!/^\d{1,5}$/.test(env.CONSOLE_SESSION_SECONDS) || Number(env.CONSOLE_SESSION_SECONDS) < 1 || Number(env.CONSOLE_SESSION_SECONDS) > 43_200) {
      throw new ConfigError('CONSOLE_SESSION_SECONDS', `must be a whole number of seconds from 1 to 43200 (12 h); got "${env.CONSOLE_SESSION_SECONDS}"`);
    }
    sessionSeconds = Number(env.CONSOLE_SESSION_SECONDS);
  }

  const team = env.ACCESS_TEAM_DOMAIN ?? '';
  const audience = env.ACCESS_AUD ?? '';
  const emails = list(env.ACCESS_ALLOWED_EMAILS).map((e) => e.toLowerCase());
  const groups = list(env.ACCESS_ALLOWED_GROUPS);
  if (team === '') {
    for (const [setting, value] of Object.entries({ ACCESS_AUD: audience, ACCESS_ALLOWED_EMAILS: emails.length, ACCESS_ALLOWED_GROUPS: groups.length })) {
      if (value) throw new ConfigError(setting, 'is set but ACCESS_TEAM_DOMAIN is not; set both, or neither');
    }
    return { sessionSeconds, access: undefined };
  }
  const origin = teamOrigin(team);
  if (audience === '') throw new ConfigError('ACCESS_AUD', "must be set with ACCESS_TEAM_DOMAIN: the Access application's Application Audience (AUD) tag");
  if (emails.length === 0 && groups.length === 0) {
    // Access may let in more people than should administer Gatehouse: the console names them itself.
    throw new ConfigError('ACCESS_ALLOWED_EMAILS', 'or ACCESS_ALLOWED_GROUPS must name who may use the console when ACCESS_TEAM_DOMAIN is set');
  }
  return {
    sessionSeconds,
    access: { teamOrigin: origin, certsUrl: `${origin}/cdn-cgi/access/certs`, audience, emails, groups },
  };
}

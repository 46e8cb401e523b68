import type { Child } from 'hono/jsx';
import { CONSOLE_PATH } from './paths';

/** Who is signed in, and the CSRF token their forms carry. */
export interface Viewer {
  /** An admin client id, or an e-mail address signed in through Cloudflare Access. */
  name: string;
  csrf: string;
  /** Whether the viewer signed in with a console session (and so can sign out here). */
  session: boolean;
}

const SECTIONS = [
  ['clients', 'Clients'],
  ['scopes', 'API scopes'],
  ['resources', 'API resources'],
  ['keys', 'Signing keys'],
  ['evaluate', 'Evaluate'],
  ['import', 'Import'],
] as const;

/** The section a page belongs to, for the navigation's `aria-current`. */
export type Section = (typeof SECTIONS)[number][0];

/** The hidden CSRF field every form that changes something carries. */
export function Csrf({ viewer }: { viewer: Viewer }) {
  return <input type="hidden" name="_csrf" value={viewer.csrf} />;
}

/** A message above the page's content: the outcome of the last change, or why it failed. */
export function Notice({ kind, children }: { kind: 'ok' | 'error'; children: Child }) {
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** Every console page: skip link, navigation, sign-out, and the page's content in `main`. */
export function Layout(props: { title: string; viewer?: Viewer; section?: Section; children: Child }) {
  const { viewer } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Gatehouse console`}</title>
        <link rel="stylesheet" href={`${CONSOLE_PATH}/assets/console.css`} />
        <script src={`${CONSOLE_PATH}/assets/console.js`} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={viewer ? `${CONSOLE_PATH}/clients` : `${CONSOLE_PATH}/sign-in`}>
            Gatehouse console
          </a>
          {viewer && (
            <nav aria-label="Console">
              <ul>
                {SECTIONS.map(([id, label]) => (
                  <li>
                    <a href={`${CONSOLE_PATH}/${id}`} aria-current={props.section === id ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {viewer && (
            <form method="post" action={`${CONSOLE_PATH}/sign-out`}>
              <span class="who">Signed in as {viewer.name} </span>
              {viewer.session ? (
                <>
                  <Csrf viewer={viewer} />
                  <button type="submit" class="secondary inline">
                    Sign out
                  </button>
                </>
              ) : (
                // Signed in through Cloudflare Access: its own logout ends the Access session.
                <a href="/cdn-cgi/access/logout">Sign out of Access</a>
              )}
            </form>
          )}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

import { Layout, Notice } from './layout';
import { CONSOLE_PATH } from './paths';

/** The sign-in form: an admin client's id and secret, exchanged on the server for a session. */
export function SignInPage(props: { error?: string; ended?: boolean; signedOut?: boolean; clientId?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {props.ended && <Notice kind="error">Your session has ended. Sign in again.</Notice>}
      {props.signedOut && <Notice kind="ok">You are signed out.</Notice>}
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <p>
        Sign in with an admin client: a client allowed the <code>gatehouse.admin</code> scope. Your session lasts a
        few minutes and ends when you sign out.
      </p>
      <form method="post" action={`${CONSOLE_PATH}/sign-in`}>
        <label for="client_id">Client id</label>
        <input id="client_id" name="client_id" type="text" autocomplete="username" required value={props.clientId ?? ''} />
        <label for="client_secret">Client secret</label>
        <input id="client_secret" name="client_secret" type="password" autocomplete="current-password" required />
        <div>
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Layout>
  );
}

import { Layout, Notice } from './layout';
import { CONSOLE_PATH } from './paths';

/** A console page for a failure: what went wrong, in words, and a way back. */
export function ErrorPage(props: { title: string; message: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <Notice kind="error">{props.message}</Notice>
      <p>
        <a href={`${CONSOLE_PATH}/clients`}>Back to the console</a>
      </p>
    </Layout>
  );
}

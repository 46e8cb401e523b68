import type { Context } from 'hono';
import type { HtmlEscapedString } from 'hono/utils/html';

/** Renders a page element as an HTML document with `status`. */
export async function page(c: Context, element: HtmlEscapedString | Promise<HtmlEscapedString>, status = 200): Promise<Response> {
  const html = `<!doctype html>${await element}`;
  return c.html(html, status as 200);
}

/** A 303 to `location` (RFC 9110 §15.4.4): after a form post, the browser fetches the next page with GET. */
export function seeOther(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { Location: location, 'Cache-Control': 'no-store', ...headers } });
}

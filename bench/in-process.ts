/**
 * A benchmark-only Worker, never deployed: it calls Gatehouse's own fetch handler n times in one
 * request, without the network in between, so that the cost of Gatehouse's code alone can be
 * measured (by workerd's CPU time, from outside) and compared before and after a change.
 * `GET /__in-process?n=1000&what=token` (or `healthz`, `jwks`, `discovery`, and with the routes
 * bench/in-process.mjs configures, `gateway` and `open`).
 */
import worker from '../src/index';
import type { Bindings } from '../src/env';

const BODY = 'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1';
// As a request from the network has it: workerd sets no Content-Length on a Request built here.
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(BODY.length) };

let bearer: string | undefined;

function request(what: string): Request {
  const base = 'http://127.0.0.1:8787';
  if (what === 'gateway') return new Request(`${base}/api/resource`, { headers: { Authorization: `Bearer ${bearer}` } });
  if (what === 'open') return new Request(`${base}/open/resource`);
  if (what === 'token') return new Request(`${base}/connect/token`, { method: 'POST', headers: FORM, body: BODY });
  if (what === 'jwks') return new Request(`${base}/.well-known/openid-configuration/jwks`);
  if (what === 'discovery') return new Request(`${base}/.well-known/openid-configuration`);
  return new Request(`${base}/healthz`);
}

export default {
  async fetch(req: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(req.url);
    const n = Number(url.searchParams.get('n') ?? '1');
    const what = url.searchParams.get('what') ?? 'healthz';
    let failed = 0;
    if (what === 'gateway' && !bearer) {
      const res = await worker.fetch(request('token'), env, ctx);
      bearer = ((await res.json()) as { access_token: string }).access_token;
    }
    for (let i = 0; i < n; i++) {
      const res = await worker.fetch(request(what), env, ctx);
      await res.arrayBuffer();
      if (!res.ok) failed++;
    }
    return Response.json({ n, what, failed });
  },
};

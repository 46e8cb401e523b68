/**
 * The demo origin of the local run: the article's `GET /weatherforecast` API, as a plain Node HTTP
 * server that trusts only requests carrying a valid Gatehouse assertion. `npm start` builds and
 * starts it on 127.0.0.1:8788 (DEMO_ORIGIN_PORT) next to the Worker, and the local gateway route
 * `/weatherforecast` leads here.
 *
 * Settings (environment): DEMO_ORIGIN_PORT (8788), GATEHOUSE_ISSUER (http://127.0.0.1:8787), and
 * DEMO_ORIGIN_AUDIENCE (http://127.0.0.1:DEMO_ORIGIN_PORT, the route's default assertion audience).
 */
import { createServer, type ServerResponse } from 'node:http';
import { AssertionRejected, createAssertionVerifier } from '../../src/origin/verify-assertion';

const port = Number(process.env.DEMO_ORIGIN_PORT ?? 8788);
const issuer = process.env.GATEHOUSE_ISSUER ?? 'http://127.0.0.1:8787';
const audience = process.env.DEMO_ORIGIN_AUDIENCE ?? `http://127.0.0.1:${port}`;
const verify = createAssertionVerifier({ issuer, audience });

const SUMMARIES = ['Freezing', 'Bracing', 'Chilly', 'Cool', 'Mild', 'Warm', 'Balmy', 'Hot', 'Sweltering', 'Scorching'];

/** The ASP.NET Core template's forecast: five days from tomorrow, random temperatures. */
function forecast() {
  return Array.from({ length: 5 }, (_, i) => {
    const temperatureC = Math.floor(Math.random() * 75) - 20;
    return {
      date: new Date(Date.now() + (i + 1) * 86_400_000).toISOString().slice(0, 10),
      temperatureC,
      temperatureF: 32 + Math.trunc(temperatureC / 0.5556),
      summary: SUMMARIES[Math.floor(Math.random() * SUMMARIES.length)],
    };
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://origin.invalid').pathname;
  if (path !== '/weatherforecast') return json(res, 404, { error: 'not_found' });
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' });
  try {
    const caller = await verify(req);
    // Who called, as the edge vouches for it: shown so the demo (and its test) can see it.
    json(res, 200, forecast(), { 'X-Demo-Caller': caller.clientId, 'X-Demo-Scope': caller.scopes.join(' ') });
  } catch (error) {
    if (!(error instanceof AssertionRejected)) {
      console.error(`demo origin: ${error instanceof Error ? error.message : String(error)}`);
      return json(res, 503, { error: 'temporarily_unavailable', error_description: 'cannot check the assertion now' });
    }
    json(res, 401, { error: 'unauthorized', error_description: `not through the gateway: ${error.message}` });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`demo origin: GET http://127.0.0.1:${port}/weatherforecast (trusts assertions of ${issuer} for ${audience})`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));

// The load generator, in its own process (and, where taskset exists, on its own core): runs
// autocannon with the JSON options given as argv[2] after a short warm-up, and prints a JSON
// summary on stdout.
//
// With `clientAssertion: { privateJwk, alg, kid, clientId, audience, body, count }`, every request
// carries its own client assertion (private_key_jwt, RFC 7523), since each jti is accepted once:
// `count` assertions are signed before the warm-up, and each request's body is `body` followed by
// `&client_assertion=` and the next one, in order across the warm-up and the measured run.
//
// With `dpop: { privateJwk, publicJwk, alg, htm, htu, accessToken?, count }`, every request carries
// its own DPoP proof (RFC 9449 §4.2) in a `DPoP` header, for the same reason (a proof's jti is
// accepted once): `count` proofs for method `htm` and URL `htu`, with `ath` when `accessToken` is
// given (a request to a protected resource, §7), signed before the warm-up.
import { createHash, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { importJWK, SignJWT } from 'jose';

const { warmupSeconds = 1, clientAssertion, dpop, ...options } = JSON.parse(process.argv[2]);

/** Signs `count` assertions, each with its own jti, valid for 240 s; returns the request bodies. */
async function assertionBodies({ privateJwk, alg, kid, clientId, audience, body, count }) {
  const key = await importJWK(privateJwk, alg);
  const bodies = new Array(count);
  for (let i = 0; i < count; i++) {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 240)
      .setJti(randomUUID())
      .sign(key);
    bodies[i] = `${body}&client_assertion=${assertion}`;
  }
  return bodies;
}

/**
 * Signs `count` DPoP proofs (RFC 9449 §4.2: typ dpop+jwt, the public key in `jwk`, htm, htu, iat
 * and a unique jti; `ath` = base64url SHA-256 of the access token when one is given).
 */
async function dpopProofs({ privateJwk, publicJwk, alg, htm, htu, accessToken, count }) {
  const key = await importJWK(privateJwk, alg);
  const ath = accessToken === undefined ? undefined : createHash('sha256').update(accessToken).digest('base64url');
  const proofs = new Array(count);
  for (let i = 0; i < count; i++) {
    proofs[i] = await new SignJWT({ htm, htu, ...(ath && { ath }) })
      .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: publicJwk })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(key);
  }
  return proofs;
}

let assertionsUsed = 0;
let proofsUsed = 0;
const bodies = clientAssertion ? await assertionBodies(clientAssertion) : undefined;
const proofs = dpop ? await dpopProofs(dpop) : undefined;
if (bodies || proofs) {
  const runOut = (what) => {
    process.stderr.write(`${what}: all pre-signed ones used; raise count (a jti used again is refused)\n`);
    process.exit(1);
  };
  // autocannon builds a request's bytes through setupRequest (synchronous) just before sending
  // it, and once more per connection when it starts; a body or proof is never handed out twice.
  options.requests = [
    {
      setupRequest(request) {
        const next = { ...request };
        if (bodies) {
          if (assertionsUsed >= bodies.length) runOut('clientAssertion');
          next.body = bodies[assertionsUsed++];
        }
        if (proofs) {
          if (proofsUsed >= proofs.length) runOut('dpop');
          next.headers = { ...request.headers, dpop: proofs[proofsUsed++] };
        }
        return next;
      },
    },
  ];
}

// autocannon's own histogram keeps whole milliseconds; sub-millisecond latencies need the
// per-response times it also reports.
// With `trace`, also what happened second by second: responses, and errors by code, so that a
// stall or a burst of errors shows when it came.
function once(opts, trace) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
    if (!trace) return;
    const started = Date.now();
    const second = () => Math.floor((Date.now() - started) / 1000);
    instance.on('response', (_client, _status, _bytes, ms) => {
      trace.latencies.push(ms);
      trace.perSecond[second()] = (trace.perSecond[second()] ?? 0) + 1;
    });
    instance.on('reqError', (error) => {
      const code = error?.code ?? error?.message ?? 'unknown';
      trace.errorCodes[code] = (trace.errorCodes[code] ?? 0) + 1;
      trace.errorSeconds[second()] = (trace.errorSeconds[second()] ?? 0) + 1;
    });
  });
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

if (warmupSeconds > 0) await once({ ...options, duration: warmupSeconds });
process.stderr.write('measuring\n');
const trace = { latencies: [], perSecond: [], errorCodes: {}, errorSeconds: {} };
const result = await once(options, trace);
const sorted = Float64Array.from(trace.latencies).sort();
process.stdout.write(
  JSON.stringify({
    total: result.requests.total,
    seconds: result.duration,
    rate: result.requests.total / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    status: { '1xx': result['1xx'], '2xx': result['2xx'], '3xx': result['3xx'], '4xx': result['4xx'], '5xx': result['5xx'] },
    errors: result.errors,
    errorCodes: trace.errorCodes,
    // Responses in each second of the run, and the seconds in which errors came.
    perSecond: Array.from(trace.perSecond, (n) => n ?? 0),
    errorSeconds: trace.errorSeconds,
    timeouts: result.timeouts,
    resets: result.resets ?? 0,
    // Assertions handed out over the warm-up and the measured run, of those signed.
    ...(clientAssertion && { assertions: { used: assertionsUsed, signed: clientAssertion.count } }),
    ...(dpop && { proofs: { used: proofsUsed, signed: dpop.count } }),
  }),
);

// The load generator, in its own process (and, where taskset exists, on its own core): runs
// autocannon with the JSON options given as argv[2] after a short warm-up, and prints a JSON
// summary on stdout.
import autocannon from 'autocannon';

const { warmupSeconds = 1, ...options } = JSON.parse(process.argv[2]);

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
  }),
);

// The load generator, in its own process (and, where taskset exists, on its own core): runs
// autocannon with the JSON options given as argv[2] after a short warm-up, and prints a JSON
// summary on stdout.
import autocannon from 'autocannon';

const { warmupSeconds = 1, ...options } = JSON.parse(process.argv[2]);

// autocannon's own histogram keeps whole milliseconds; sub-millisecond latencies need the
// per-response times it also reports.
function once(opts, latencies, errorCodes) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
    if (latencies) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
    if (errorCodes) {
      instance.on('reqError', (error) => {
        const code = error?.code ?? error?.message ?? 'unknown';
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      });
    }
  });
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

if (warmupSeconds > 0) await once({ ...options, duration: warmupSeconds });
process.stderr.write('measuring\n');
const latencies = [];
const errorCodes = {};
const result = await once(options, latencies, errorCodes);
const sorted = Float64Array.from(latencies).sort();
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
    errorCodes,
    timeouts: result.timeouts,
    resets: result.resets ?? 0,
  }),
);

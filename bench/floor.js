// The benchmark's floor: a bare `node` process that sends one already-signed ExchangeExternalToken request
// over HTTPS and reads the answer, nothing else. bench/bench.js signs the request beforehand and passes it in:
//   BENCH_EXCHANGE_URL   full URL of ExchangeExternalToken (the Mondoo simulator)
//   BENCH_EXCHANGE_BODY  the JSON body: {"audience", "issuer_uri", "jwt_token"}
// The simulator's test CA comes in as NODE_EXTRA_CA_CERTS, as for the action. Prints base64_credential.
import { request } from 'node:https';

const url = process.env.BENCH_EXCHANGE_URL;
const body = process.env.BENCH_EXCHANGE_BODY;
if (!url || !body) {
  process.stderr.write('floor.js: BENCH_EXCHANGE_URL and BENCH_EXCHANGE_BODY must be set\n');
  process.exit(2);
}

const req = request(
  url,
  {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': Buffer.byteLength(body),
    },
  },
  (res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    res.on('data', (chunk) => chunks.push(chunk));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let credential;
      try {
        credential = JSON.parse(text).base64_credential;
      } catch {
        credential = undefined;
      }
      if (res.statusCode !== 200 || typeof credential !== 'string' || credential === '') {
        process.stderr.write(`floor.js: HTTP ${res.statusCode}: ${text.slice(0, 500)}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${credential}\n`);
    });
  },
);
req.on('error', (err) => {
  process.stderr.write(`floor.js: ${err.message}\n`);
  process.exitCode = 1;
});
req.end(body);

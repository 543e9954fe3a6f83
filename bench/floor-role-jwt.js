// The benchmark's floor for role mode with proof aws-jwt: the least a client can do to turn a GitHub OIDC token
// into a Mondoo credential through an AWS JWT. At start it opens its TLS connections to STS (two: one per STS
// call, as no keep-alive is negotiated on a hand-made connection) and to Mondoo, and while they are being set
// up it asks for the OIDC token (a fresh connection: it is the first thing needed); then
// AssumeRoleWithWebIdentity, GetWebIdentityToken signed with node:crypto (SigV4) for the assumed-role
// credentials, and the exchange of the JWT (issuer_uri = its iss) on the Mondoo connection. No retries, no
// checks beyond the status codes, nothing logged.
// bench/bench.js passes in:
//   BENCH_OIDC_URL, BENCH_OIDC_TOKEN   the token endpoint (with ?audience=…) and its bearer token
//   BENCH_STS_URL, BENCH_ROLE_ARN, BENCH_SESSION_NAME, BENCH_REGION   where and what to assume, the signing region
//   BENCH_EXCHANGE_URL, BENCH_AUDIENCE   Mondoo's ExchangeExternalToken and the audience (also the JWT's)
// The simulators' test CA comes in as NODE_EXTRA_CA_CERTS. Prints base64_credential.
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:https';
import { isIP } from 'node:net';
import { connect } from 'node:tls';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`floor-role-jwt.js: ${name} must be set\n`);
    process.exit(2);
  }
  return value;
};
const oidcUrl = env('BENCH_OIDC_URL');
const stsUrl = new URL(env('BENCH_STS_URL'));
const exchangeUrl = new URL(env('BENCH_EXCHANGE_URL'));
const region = env('BENCH_REGION');
const audience = env('BENCH_AUDIENCE');

/** A TLS connection to the URL's origin, opened now. */
const open = (url) => {
  const host = url.hostname;
  const socket = connect({ host, port: Number(url.port || 443), ...(isIP(host) === 0 ? { servername: host } : {}) });
  socket.on('error', () => undefined); // reported by the request that uses it
  return socket;
};
const assumeSocket = open(stsUrl);
const tokenSocket = open(stsUrl);
const mondooSocket = open(exchangeUrl);

/** One HTTPS request (on `socket` if given, else on a fresh connection); resolves with the status and body. */
function call(url, { method = 'GET', headers = {}, body, socket }) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        ...(socket ? { createConnection: () => socket } : { agent: false }),
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const xml = (text, name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
const sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key, text) => createHmac('sha256', key).update(text, 'utf8').digest();

/** The headers of a SigV4-signed form POST to STS at `date` (content-length, content-type, host, date, token signed). */
function signedStsPost({ accessKeyId, secretAccessKey, sessionToken }, body, date) {
  const amzDate = date.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  const signedHeaders = 'content-length;content-type;host;x-amz-date;x-amz-security-token';
  const canonicalHeaders = `content-length:${Buffer.byteLength(body)}\ncontent-type:${contentType}\nhost:${stsUrl.host}\nx-amz-date:${amzDate}\nx-amz-security-token:${sessionToken}\n`;
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256Hex(body)].join('\n');
  const scope = `${day}/${region}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), 'sts'), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'content-type': contentType,
    'x-amz-date': amzDate,
    'x-amz-security-token': sessionToken,
  };
}

function die(what, res) {
  process.stderr.write(`floor-role-jwt.js: ${what}: HTTP ${res.status}: ${res.body.slice(0, 500)}\n`);
  process.exit(1);
}

const token = await call(oidcUrl, {
  headers: { authorization: `Bearer ${env('BENCH_OIDC_TOKEN')}`, accept: 'application/json' },
});
if (token.status !== 200) die('OIDC token', token);
const assumeBody = new URLSearchParams({
  Action: 'AssumeRoleWithWebIdentity',
  Version: '2011-06-15',
  RoleArn: env('BENCH_ROLE_ARN'),
  RoleSessionName: env('BENCH_SESSION_NAME'),
  WebIdentityToken: JSON.parse(token.body).value,
  DurationSeconds: '900',
}).toString();
const assumed = await call(new URL('/', stsUrl), {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: assumeBody,
  socket: assumeSocket,
});
if (assumed.status !== 200) die('AssumeRoleWithWebIdentity', assumed);
const credentials = {
  accessKeyId: xml(assumed.body, 'AccessKeyId'),
  secretAccessKey: xml(assumed.body, 'SecretAccessKey'),
  sessionToken: xml(assumed.body, 'SessionToken'),
};
const tokenBody = `Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=${encodeURIComponent(audience)}&SigningAlgorithm=RS256&DurationSeconds=300`;
const issued = await call(new URL('/', stsUrl), {
  method: 'POST',
  headers: signedStsPost(credentials, tokenBody, new Date()),
  body: tokenBody,
  socket: tokenSocket,
});
if (issued.status !== 200) die('GetWebIdentityToken', issued);
const jwt = xml(issued.body, 'WebIdentityToken');
const { iss } = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const exchanged = await call(exchangeUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  body: JSON.stringify({ audience, issuer_uri: iss, jwt_token: jwt }),
  socket: mondooSocket,
});
if (exchanged.status !== 200) die('exchange', exchanged);
process.stdout.write(`${JSON.parse(exchanged.body).base64_credential}\n`);
// The connections are done with: close them rather than wait for the servers to.
for (const socket of [assumeSocket, tokenSocket, mondooSocket]) socket.destroy();

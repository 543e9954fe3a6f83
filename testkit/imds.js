// @ts-check
/**
 * EC2 instance metadata service (IMDSv2 only) simulator, plain HTTP on 127.0.0.1 like the real one.
 * Serves the instance role's temporary credentials, registered in the STS simulator as
 * `arn:aws:sts::<account>:assumed-role/<role>/<instance id>`, on the paths the AWS SDK for JS v3 reads.
 */
import { randomBytes } from 'node:crypto';
import { answerFault, listen, readBody, send, takeFault } from './common.js';

/** @typedef {import('./common.js').Clock} Clock */
/** @typedef {import('./common.js').Fault} Fault */

const TOKEN_PATH = '/latest/api/token';
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';
/** Newer SDKs try this first (it adds AccountId) and fall back to CREDENTIALS_PATH on 404. */
const EXTENDED_CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials-extended/';
const MAX_TOKEN_TTL_SECONDS = 21600;
/** How long the instance credentials are valid, like EC2's (about 6 hours). */
const CREDENTIALS_LIFETIME_MS = 6 * 3600_000;

/**
 * @typedef {object} ImdsRequestRecord
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {number} time
 * @property {Fault} [fault]
 * @property {number} [status] the real answer's status
 */

/**
 * @typedef {object} ImdsOptions
 * @property {{ addSessionKey(key: { arn: string, expiresAt: number }): { accessKeyId: string, secretAccessKey: string, sessionToken: string, expiresAt: number } }} sts
 *   where the instance credentials are registered (the STS simulator)
 * @property {string} [accountId] default 123456789012
 * @property {string} [roleName] default RunnerRole
 * @property {string} [instanceId] default i-0123456789abcdef0
 * @property {string} [region] default us-east-1
 * @property {boolean} [extendedApi] answer security-credentials-extended (default true); false answers 404 there
 * @property {boolean} [silent] record requests but never answer, like a blackholed 169.254.169.254
 * @property {Clock} [now] default Date.now
 * @property {import('./common.js').Listen} [listen] where to serve (default: a loopback socket; see createInMemoryNetwork)
 */

/** @param {number} ms */
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Starts the IMDS simulator.
 * @param {ImdsOptions} opts
 */
export async function startImds(opts) {
  const now = opts.now ?? Date.now;
  const accountId = opts.accountId ?? '123456789012';
  const roleName = opts.roleName ?? 'RunnerRole';
  const instanceId = opts.instanceId ?? 'i-0123456789abcdef0';
  const region = opts.region ?? 'us-east-1';
  const arn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${instanceId}`;
  const issuedAt = now();
  /** @type {Map<string, number>} IMDS session token → expiry (ms) */
  const sessions = new Map();

  const imds = {
    roleName,
    instanceId,
    /** The identity the instance credentials prove. */
    arn,
    /** The instance role's temporary credentials (also registered in the STS simulator). */
    credentials: opts.sts.addSessionKey({ arn, expiresAt: issuedAt + CREDENTIALS_LIFETIME_MS }),
    /** @type {Fault[]} */ script: [],
    /** @type {ImdsRequestRecord[]} */ requests: [],
    /** @type {string[]} every IMDS session token handed out */ tokens: [],
  };

  /** @param {boolean} extended */
  function credentialsDocument(extended) {
    const { accessKeyId, secretAccessKey, sessionToken, expiresAt } = imds.credentials;
    const document = {
      Code: 'Success',
      LastUpdated: isoSeconds(issuedAt),
      Type: 'AWS-HMAC',
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      Token: sessionToken,
      Expiration: isoSeconds(expiresAt),
    };
    return JSON.stringify(extended ? { ...document, AccountId: accountId } : document, null, 2);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @returns {[number, string]}
   */
  function putToken(req) {
    if (req.headers['x-forwarded-for'] !== undefined) return [403, 'Forbidden'];
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return [400, 'Bad Request'];
    const token = randomBytes(42).toString('base64');
    sessions.set(token, now() + ttl * 1000);
    imds.tokens.push(token);
    return [200, token];
  }

  /**
   * @param {string} path
   * @returns {[number, string]}
   */
  function metadata(path) {
    const extended = path.startsWith(EXTENDED_CREDENTIALS_PATH);
    if (extended && opts.extendedApi === false) return [404, 'Not Found'];
    const credentialsPath = extended ? EXTENDED_CREDENTIALS_PATH : CREDENTIALS_PATH;
    if (path === credentialsPath) return [200, roleName];
    if (path === credentialsPath + roleName) return [200, credentialsDocument(extended)];
    if (path === '/latest/meta-data/placement/region') return [200, region];
    if (path === '/latest/meta-data/instance-id') return [200, instanceId];
    return [404, 'Not Found'];
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {string} path
   * @returns {[number, string]}
   */
  function answer(req, path) {
    if (path === TOKEN_PATH) return req.method === 'PUT' ? putToken(req) : [405, 'Method Not Allowed'];
    if (req.method !== 'GET') return [405, 'Method Not Allowed'];
    const token = req.headers['x-aws-ec2-metadata-token'];
    const expiry = typeof token === 'string' ? sessions.get(token) : undefined;
    if (expiry === undefined || expiry <= now()) return [401, 'Unauthorized'];
    return metadata(path);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    await readBody(req);
    const path = new URL(req.url ?? '/', 'http://imds.invalid').pathname;
    /** @type {ImdsRequestRecord} */
    const record = { method: req.method ?? '', path, headers: req.headers, time: now() };
    imds.requests.push(record);
    if (opts.silent) return;
    const fault = takeFault(imds.script, path);
    if (fault) {
      record.fault = fault;
      answerFault(fault, res);
      return;
    }
    const [status, body] = answer(req, path);
    record.status = status;
    send(res, status, body, { 'content-type': 'text/plain', server: 'EC2ws' });
  }

  const server = await (opts.listen ?? listen)({ tls: false, handler: handle });
  return Object.assign(imds, { url: server.url, port: server.port, close: server.close });
}

/** @typedef {Awaited<ReturnType<typeof startImds>>} ImdsSim */

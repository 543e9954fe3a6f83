// @ts-check
/**
 * Container credentials endpoint simulator (plain HTTP on 127.0.0.1, like the EKS Pod Identity agent on
 * 169.254.170.23 and the ECS agent on 169.254.170.2). Serves a task or pod role's temporary credentials,
 * registered in the STS simulator, as {AccessKeyId, SecretAccessKey, Token, Expiration}, only to requests
 * whose Authorization header is the configured token (when one is configured).
 *
 * Misbehaviours, for the bounded-failure tests: `mode` 'hang' accepts and never answers; 'drip' sends the
 * headers and then one byte of a never-ending body every `dripMs`; 'flood' streams an endless body as fast
 * as the client reads (these three for any request, so the simulator also stands in for a misbehaving
 * instance metadata endpoint); 'expired' serves credentials whose Expiration has passed. Scripted one-off faults
 * (`script`, see common.js) take precedence.
 */
import { randomBytes } from 'node:crypto';
import { answerFault, listen, readBody, send, takeFault } from './common.js';

/** @typedef {import('./common.js').Clock} Clock */
/** @typedef {import('./common.js').Fault} Fault */
/** @typedef {'normal' | 'hang' | 'drip' | 'flood' | 'expired'} ContainerMode */

/**
 * @typedef {object} ContainerRequestRecord
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {number} time
 * @property {Fault} [fault]
 * @property {number} [status]
 */

/**
 * @typedef {object} ContainerOptions
 * @property {{ addSessionKey(key: { arn: string, expiresAt: number }): { accessKeyId: string, secretAccessKey: string, sessionToken: string, expiresAt: number } }} sts
 * @property {string} [arn] the identity the credentials prove (default an EKS Pod Identity session)
 * @property {string} [path] default /v1/credentials (EKS Pod Identity's)
 * @property {string | undefined} [token] the Authorization header required; default a random token; undefined requires none
 * @property {Clock} [now]
 */

/**
 * Starts the container credentials simulator.
 * @param {ContainerOptions} opts
 */
export async function startContainerCredentials(opts) {
  const now = opts.now ?? Date.now;
  const arn = opts.arn ?? 'arn:aws:sts::123456789012:assumed-role/eks-runner-pod/eks-ci-runner-0a1b2c3d';
  const path = opts.path ?? '/v1/credentials';
  const token = 'token' in opts ? opts.token : `eks-pod-identity.${randomBytes(24).toString('base64url')}`;

  const container = {
    arn,
    path,
    /** The Authorization header required, if any: a secret the tool must mask. */
    token,
    /** The temporary credentials served (registered in the STS simulator). */
    credentials: opts.sts.addSessionKey({ arn, expiresAt: now() + 6 * 3600_000 }),
    /** @type {ContainerMode} */ mode: /** @type {ContainerMode} */ ('normal'),
    /** Milliseconds between bytes in 'drip' mode. */
    dripMs: 100,
    /** Bytes written in 'flood' mode, to show the client stopped reading. */
    floodBytes: 0,
    /** @type {Fault[]} */ script: [],
    /** @type {ContainerRequestRecord[]} */ requests: [],
    /** The URL to put in AWS_CONTAINER_CREDENTIALS_FULL_URI (set when listening). */
    fullUri: '',
  };

  /** @param {boolean} expired */
  function document(expired) {
    const { accessKeyId, secretAccessKey, sessionToken, expiresAt } = container.credentials;
    const expiration = expired ? now() - 60_000 : expiresAt;
    return JSON.stringify({
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      Token: sessionToken,
      AccountId: /^arn:aws:sts::(\d{12}):/.exec(arn)?.[1] ?? '',
      Expiration: new Date(expiration).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  }

  /** @param {import('node:http').ServerResponse} res */
  function drip(res) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => {
      if (res.destroyed) clearInterval(timer);
      else res.write(' ');
    }, container.dripMs);
    res.on('close', () => clearInterval(timer));
  }

  /** @param {import('node:http').ServerResponse} res */
  function flood(res) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!res.destroyed) {
        container.floodBytes += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    await readBody(req);
    const url = new URL(req.url ?? '/', 'http://container.invalid');
    /** @type {ContainerRequestRecord} */
    const record = { method: req.method ?? '', path: url.pathname, headers: req.headers, time: now() };
    container.requests.push(record);
    const fault = takeFault(container.script, url.pathname);
    if (fault) {
      record.fault = fault;
      answerFault(fault, res);
      return;
    }
    if (container.mode === 'hang') return;
    // Any request, so the same misbehaviour can stand in for an instance metadata endpoint too.
    if (container.mode === 'drip') return drip(res);
    if (container.mode === 'flood') return flood(res);
    if (req.method !== 'GET') return send(res, 405, '', {});
    if (url.pathname !== path) {
      record.status = 404;
      return send(res, 404, JSON.stringify({ Code: 'NotFound', Message: 'No credentials at this path' }), {
        'content-type': 'application/json',
      });
    }
    if (token !== undefined && req.headers.authorization !== token) {
      record.status = 401;
      return send(
        res,
        401,
        JSON.stringify({ Code: 'AccessDeniedException', Message: 'The authorization token is invalid or has expired' }),
        { 'content-type': 'application/json' },
      );
    }
    record.status = 200;
    send(res, 200, document(container.mode === 'expired'), { 'content-type': 'application/json' });
  }

  const server = await listen({ tls: false, handler: handle });
  container.fullUri = `${server.url}${path}`;
  return Object.assign(container, { url: server.url, port: server.port, close: server.close });
}

/** @typedef {Awaited<ReturnType<typeof startContainerCredentials>>} ContainerSim */

// @ts-check
/**
 * GitHub Actions OIDC token endpoint simulator (HTTPS on 127.0.0.1). A job asks
 * `$ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud>` with `Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`
 * and gets `{"value": "<RS256 JWT>"}`. The STS simulator checks those tokens with `decode`.
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { answerFault, listen, readBody, sendJson, takeFault } from './common.js';

/** @typedef {import('./common.js').Clock} Clock */
/** @typedef {import('./common.js').Fault} Fault */
/** @typedef {import('./sts.js').WebIdentityClaims} WebIdentityClaims */

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const TOKEN_PATH = '/token';

/**
 * @typedef {object} OidcRequestRecord
 * @property {string} method
 * @property {string} url
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {number} time
 * @property {string | null} audience the `audience` query parameter
 * @property {Fault} [fault]
 * @property {number} [status] the real answer's status
 */

/**
 * @typedef {object} OidcOptions
 * @property {Clock} [now] default Date.now
 * @property {import('./common.js').Listen} [listen] where to serve (default: a loopback socket; see createInMemoryNetwork)
 * @property {string} [subject] `sub` of tokens the endpoint issues (default repo:org/repo:ref:refs/heads/main)
 * @property {string} [repository] default org/repo
 * @property {number} [ttlSeconds] token lifetime (default 300)
 */

/** @param {Buffer | string} data */
const base64url = (data) => Buffer.from(data).toString('base64url');

/**
 * Starts the OIDC token endpoint simulator.
 * @param {OidcOptions} [opts]
 */
export async function startOidc(opts = {}) {
  const now = opts.now ?? Date.now;
  const repository = opts.repository ?? 'org/repo';
  const defaultSubject = opts.subject ?? `repo:${repository}:ref:refs/heads/main`;
  const ttlSeconds = opts.ttlSeconds ?? 300;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');

  const oidc = {
    /** `sub` of the tokens the endpoint issues. */
    subject: defaultSubject,
    /** The value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
    requestToken: randomBytes(32).toString('base64url'),
    /** @type {Fault[]} */ script: [],
    /** @type {OidcRequestRecord[]} */ requests: [],
    /** @type {string[]} every token minted, in order */ tokens: [],
    /** Added to the clock that stamps and checks tokens, to simulate a client whose clock is off. */
    clockOffsetMs: 0,

    /**
     * Makes a token directly, as a CI system that hands out token files or variables would.
     * @param {{ aud: string | string[], sub?: string, ttlSeconds?: number, claims?: Record<string, unknown> }} spec
     * @returns {string} the JWT
     */
    mint({ aud, sub = defaultSubject, ttlSeconds: ttl = ttlSeconds, claims = {} }) {
      const iat = Math.floor((now() + oidc.clockOffsetMs) / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid };
      const payload = {
        jti: randomUUID(),
        sub,
        aud,
        ref: 'refs/heads/main',
        repository,
        repository_owner: repository.split('/')[0],
        iss: GITHUB_ISSUER,
        nbf: iat - 5,
        iat,
        exp: iat + ttl,
        ...claims,
      };
      const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
      const token = `${signingInput}.${base64url(sign('sha256', Buffer.from(signingInput), privateKey))}`;
      oidc.tokens.push(token);
      return token;
    },

    /**
     * Claims of a token this simulator signed, whatever its expiry; null if it did not sign it.
     * @param {string} token
     * @returns {WebIdentityClaims | null}
     */
    decode(token) {
      const [header, payload, signature, ...rest] = token.split('.');
      if (!header || !payload || !signature || rest.length > 0) return null;
      const signed = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      );
      if (!signed) return null;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return claims.iss === GITHUB_ISSUER ? claims : null;
    },

    /**
     * Claims of a token this simulator signed that is valid now (by the simulator's clock), else null.
     * @param {string} token
     * @returns {WebIdentityClaims | null}
     */
    verify(token) {
      const claims = oidc.decode(token);
      const nowSeconds = (now() + oidc.clockOffsetMs) / 1000;
      if (claims === null || claims.exp <= nowSeconds) return null;
      return typeof claims.nbf === 'number' && claims.nbf > nowSeconds ? null : claims;
    },
  };

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    await readBody(req);
    const url = new URL(req.url ?? '/', 'https://oidc.invalid');
    /** @type {OidcRequestRecord} */
    const record = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      time: now(),
      audience: url.searchParams.get('audience'),
    };
    oidc.requests.push(record);
    const fault = takeFault(oidc.script, url.pathname);
    if (fault) {
      record.fault = fault;
      answerFault(fault, res);
      return;
    }
    const [status, body] = answer(req, url);
    record.status = status;
    sendJson(res, status, body);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {URL} url
   * @returns {[number, unknown]}
   */
  function answer(req, url) {
    if (url.pathname !== TOKEN_PATH) return [404, { message: 'Not Found' }];
    if (req.method !== 'GET') return [405, { message: 'Method Not Allowed' }];
    if (req.headers.authorization !== `Bearer ${oidc.requestToken}`) return [401, { message: 'Bad credentials' }];
    const aud = url.searchParams.get('audience') ?? `https://github.com/${repository.split('/')[0]}`;
    return [200, { count: 1, value: oidc.mint({ aud }) }];
  }

  const server = await (opts.listen ?? listen)({ tls: true, handler: handle });
  return Object.assign(oidc, {
    url: server.url,
    port: server.port,
    /** The value for ACTIONS_ID_TOKEN_REQUEST_URL (the client appends `&audience=…`). */
    requestUrl: `${server.url}${TOKEN_PATH}?api-version=2.0`,
    close: server.close,
  });
}

/** @typedef {Awaited<ReturnType<typeof startOidc>>} OidcSim */

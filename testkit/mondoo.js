// @ts-check
/**
 * Mondoo SecureTokenService simulator (HTTPS on 127.0.0.1). ExchangeExternalToken takes a serialized,
 * SigV4-signed STS GetCallerIdentity request, "replays" it against the STS simulator's key store with
 * the fixed body, matches the caller ARN against an identity provider's subject, and answers with a
 * freshly issued service-account credential.
 *
 * Custom OIDC identity providers (addOidcProvider) take a JWT instead, as for proof aws-jwt: it is verified by
 * discovery (the issuer's /.well-known/openid-configuration, then its jwks_uri) with the independent `jose`
 * library, which checks the signature, `iss`, `aud` and `exp`; then `sub` is matched against the provider's
 * subject. Anything else is refused with 401 (403 for a subject that does not match).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { answerFault, CA_FILE, listen, nextArrival, randomString, readBody, sendJson, takeFault } from './common.js';
import { verifySignedRequest } from './sts.js';

/** @typedef {import('./common.js').Clock} Clock */
/** @typedef {import('./common.js').Fault} Fault */
/** @typedef {import('./sts.js').Identity} Identity */
/** @typedef {import('./sts.js').KeyStore} KeyStore */

export const EXCHANGE_PATH = '/SecureTokenService/ExchangeExternalToken';
/** The only request Mondoo replays: URL and body of STS GetCallerIdentity. */
export const STS_REPLAY_URL = 'https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15';
export const STS_REPLAY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
const AWS_ISSUER = 'https://sts.amazonaws.com';
/** Header names of a well-formed serialized request, after the leading `host`, in order. */
const SERIALIZED_HEADER_ORDER = ['Authorization', 'Content-Type', 'X-Amz-Date', 'X-Amz-Security-Token'];

/** gRPC status codes Mondoo's RPC layer puts in error bodies. */
const CODE = { invalidArgument: 3, notFound: 5, permissionDenied: 7, unauthenticated: 16, unimplemented: 12 };

/**
 * @typedef {object} IdentityProvider
 * @property {string} audience
 * @property {string} issuerUri
 * @property {string} subject caller ARN, exact or ending in `/*` (any one final path segment)
 * @property {string} spaceMrn e.g. //captain.api.mondoo.app/spaces/test-space-123
 * @property {'aws' | 'oidc'} [kind] aws (default): a signed GetCallerIdentity to replay; oidc: a JWT of `issuerUri`
 */

/**
 * The decoded credential Mondoo hands out (base64 of its JSON in `base64_credential`).
 * @typedef {object} ServiceAccountCredential
 * @property {string} mrn
 * @property {string} space_mrn
 * @property {string} private_key PEM
 * @property {string} certificate PEM
 * @property {string} api_endpoint
 */

/**
 * @typedef {object} MondooRequestRecord
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {string | undefined} contentType
 * @property {string} rawBody
 * @property {number} time
 * @property {number} arrival when its head arrived, in the order of every simulator's requests (nextArrival)
 * @property {Fault} [fault] the scripted fault used instead of a real answer
 * @property {string} [jwtToken] the serialized signed request, when the body had one
 * @property {boolean} [shapeOk] whether the serialized request has exactly the expected shape
 * @property {string[]} [shapeProblems] how it differs from the expected shape
 * @property {Identity} [identity] the AWS identity the replay proved
 * @property {{ status: number, code?: number, message?: string }} [result] the real answer given
 * @property {'TOKEN' | 'CREDENTIAL'} [responseType] what the request asked for
 */

/**
 * @typedef {object} IssuedCredential
 * @property {Identity} identity whose request it was issued for
 * @property {IdentityProvider} provider the provider that matched
 * @property {ServiceAccountCredential} credential
 * @property {string} base64Credential exactly as sent
 * @property {MondooRequestRecord} request
 */

/**
 * Whether a caller ARN matches a provider subject: exactly, or, for a subject ending in `/*`, with
 * exactly one non-empty final path segment in place of the `*`.
 * @param {string} subject
 * @param {string} arn
 */
export function subjectMatches(subject, arn) {
  if (!subject.endsWith('/*')) return subject === arn;
  const prefix = subject.slice(0, -1);
  const rest = arn.slice(prefix.length);
  return arn.startsWith(prefix) && rest.length > 0 && !rest.includes('/');
}

/**
 * A JSON string literal as Go's encoding/json writes it: `&`, `<`, `>`, U+2028 and U+2029 escaped as \u0026,
 * \u003c, \u003e, \u2028, \u2029 (written here apart from the product's own encoder, on purpose).
 * @param {string} text
 */
function goQuote(text) {
  return JSON.stringify(text).replace(
    /[&<>\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The exact text Mondoo's Go client marshals for these headers (a Go map: keys headers, method, url, sorted).
 * @param {{ key: string, value: string }[]} headers
 */
export function goClientJwtToken(headers) {
  const list = headers.map((h) => `{"key":${goQuote(h.key)},"value":${goQuote(h.value)}}`).join(',');
  return `{"headers":[${list}],"method":${goQuote('POST')},"url":${goQuote(STS_REPLAY_URL)}}`;
}

/**
 * How a `jwt_token` differs from what Mondoo's Go client sends: keys headers, method, url (in that order, no
 * body); headers = `host` first, then Authorization, Content-Type, X-Amz-Date[, X-Amz-Security-Token], each
 * once, as `{key, value}` string pairs; SignedHeaders exactly content-length;content-type;host;x-amz-date
 * [;x-amz-security-token]; and the whole text byte for byte as Go's encoder writes it (`&` as \u0026).
 * @param {string} jwtToken the raw text
 * @returns {string[]} empty when it is exact
 */
export function jwtTokenProblems(jwtToken) {
  const serialized = parseJson(jwtToken);
  if (typeof serialized !== 'object' || serialized === null || Array.isArray(serialized)) return ['not a JSON object'];
  const problems = [];
  const keys = Object.keys(serialized).join(',');
  if (keys !== 'headers,method,url') problems.push(`top-level keys are "${keys}", expected "headers,method,url"`);
  const headers = /** @type {{ headers?: unknown }} */ (serialized).headers;
  if (!Array.isArray(headers)) return [...problems, 'headers is not an array'];
  if (!headers.every(isKeyValuePair)) return [...problems, 'a header is not exactly {"key": string, "value": string}'];
  const names = headers.map((h) => h.key);
  if (names[0] !== 'host' || headers[0]?.value !== 'sts.amazonaws.com')
    problems.push('first header is not {"key":"host","value":"sts.amazonaws.com"}');
  const hasToken = names.includes('X-Amz-Security-Token');
  const expected = ['host', ...SERIALIZED_HEADER_ORDER.filter((name) => name !== 'X-Amz-Security-Token' || hasToken)];
  if (names.join(',') !== expected.join(','))
    problems.push(`header keys are "${names.join(',')}", expected "${expected.join(',')}"`);
  const authorization = headers.find((h) => h.key === 'Authorization')?.value ?? '';
  const signedHeaders = /SignedHeaders=([^,\s]*)/.exec(authorization)?.[1];
  const expectedSigned = `content-length;content-type;host;x-amz-date${hasToken ? ';x-amz-security-token' : ''}`;
  if (signedHeaders !== expectedSigned)
    problems.push(`SignedHeaders is "${signedHeaders ?? ''}", expected "${expectedSigned}"`);
  if (problems.length === 0 && jwtToken !== goClientJwtToken(headers)) {
    problems.push(
      "the text is not what Go's encoding/json writes for it (for example & must be written \\u0026, with no spaces)",
    );
  }
  return problems;
}

/**
 * @param {unknown} value
 * @returns {value is { key: string, value: string }}
 */
function isKeyValuePair(value) {
  if (typeof value !== 'object' || value === null) return false;
  const entry = /** @type {Record<string, unknown>} */ (value);
  return (
    Object.keys(entry).join(',') === 'key,value' && typeof entry.key === 'string' && typeof entry.value === 'string'
  );
}

/**
 * @typedef {object} ExchangeError
 * @property {number} status
 * @property {number} code gRPC code
 * @property {string} message
 */

/**
 * @param {number} status
 * @param {number} code
 * @param {string} message
 * @returns {ExchangeError}
 */
const fail = (status, code, message) => ({ status, code, message });

/**
 * Parses the body of ExchangeExternalToken and the serialized request in it.
 * @param {string} rawBody
 * @returns {{ audience: string, issuerUri: string, jwtToken: string, responseType: 'TOKEN' | 'CREDENTIAL', serialized: unknown, request: import('./sts.js').SignedRequest } | ExchangeError}
 */
function parseExchange(rawBody) {
  const body = parseJson(rawBody);
  if (typeof body !== 'object' || body === null)
    return fail(400, CODE.invalidArgument, 'invalid request body: not a JSON object');
  const {
    audience,
    issuer_uri: issuerUri,
    jwt_token: jwtToken,
    response_type: responseType,
  } = /** @type {Record<string, unknown>} */ (body);
  for (const [name, value] of Object.entries({ audience, issuer_uri: issuerUri, jwt_token: jwtToken })) {
    if (typeof value !== 'string' || value === '') return fail(400, CODE.invalidArgument, `${name} is required`);
  }
  if (responseType !== undefined && responseType !== 'TOKEN' && responseType !== 'CREDENTIAL') {
    return fail(400, CODE.invalidArgument, `invalid response_type: ${JSON.stringify(responseType)}`);
  }
  const serialized = parseJson(String(jwtToken));
  if (typeof serialized !== 'object' || serialized === null)
    return fail(400, CODE.invalidArgument, 'jwt_token is not a serialized request');
  const { url, method, headers } = /** @type {Record<string, unknown>} */ (serialized);
  if (url !== STS_REPLAY_URL) return fail(400, CODE.invalidArgument, `unsupported request url: ${String(url)}`);
  if (method !== 'POST') return fail(400, CODE.invalidArgument, `unsupported request method: ${String(method)}`);
  if (!Array.isArray(headers) || !headers.every(isKeyValuePair)) {
    return fail(400, CODE.invalidArgument, 'request headers must be a list of {"key","value"}');
  }
  /** @type {Record<string, string>} */
  const headerMap = {};
  for (const { key, value } of headers) {
    const name = key.toLowerCase();
    if (name === 'content-length')
      return fail(
        400,
        CODE.invalidArgument,
        'request headers must not list Content-Length (it is set from the replayed body)',
      );
    if (name in headerMap) return fail(400, CODE.invalidArgument, `duplicate request header: ${key}`);
    headerMap[name] = value;
  }
  return {
    audience: String(audience),
    issuerUri: String(issuerUri),
    jwtToken: String(jwtToken),
    responseType: responseType === 'TOKEN' ? 'TOKEN' : 'CREDENTIAL',
    serialized,
    // Replayed as a Go server replays it: the fixed body, and Content-Length set from it.
    request: {
      method,
      url,
      headers: { ...headerMap, 'content-length': String(Buffer.byteLength(STS_REPLAY_BODY)) },
      body: STS_REPLAY_BODY,
    },
  };
}

/**
 * @param {string} text
 * @returns {unknown} undefined if not JSON
 */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** @param {string | undefined} contentType */
const isJsonContentType = (contentType) => /^application\/json\s*(;\s*charset=[\w-]+\s*)?$/i.test(contentType ?? '');

/**
 * A new service-account credential in the provider's space.
 * @param {IdentityProvider} provider
 * @param {string} apiEndpoint
 * @returns {ServiceAccountCredential}
 */
function newCredential(provider, apiEndpoint) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spaceId = provider.spaceMrn.split('/').pop();
  const certificateBody = randomBytes(384).toString('base64').replace(/.{64}/g, '$&\n');
  return {
    mrn: `//agents.api.mondoo.app/spaces/${spaceId}/serviceaccounts/${randomString(27)}`,
    space_mrn: provider.spaceMrn,
    private_key: String(privateKey.export({ type: 'pkcs8', format: 'pem' })),
    certificate: `-----BEGIN CERTIFICATE-----\n${certificateBody}\n-----END CERTIFICATE-----\n`,
    api_endpoint: apiEndpoint,
  };
}

/**
 * What `response_type: TOKEN` returns inside base64_credential: a short-lived bearer token (a JWT signed by
 * the platform) and where it is valid.
 * @typedef {object} TokenCredential
 * @property {string} token
 * @property {string} mrn
 * @property {string} scope_mrn
 * @property {string} api_endpoint
 */

/**
 * @typedef {object} IssuedToken
 * @property {Identity} identity
 * @property {IdentityProvider} provider
 * @property {TokenCredential} token
 * @property {string} base64Credential exactly as sent
 * @property {MondooRequestRecord} request
 */

/**
 * A JWT-shaped bearer token (HS256 over random claims; nothing verifies it).
 * @param {IdentityProvider} provider
 * @param {string} apiEndpoint
 * @param {string} subject
 * @returns {TokenCredential}
 */
function newToken(provider, apiEndpoint, subject) {
  const part = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const spaceId = provider.spaceMrn.split('/').pop();
  const mrn = `//agents.api.mondoo.app/spaces/${spaceId}/serviceaccounts/${randomString(27)}`;
  const now = Math.floor(Date.now() / 1000);
  const token = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: 'mondoo/platform', sub: subject, aud: provider.audience, iat: now, exp: now + 3600, mrn })}.${randomBytes(32).toString('base64url')}`;
  return { token, mrn, scope_mrn: provider.spaceMrn, api_endpoint: apiEndpoint };
}

/**
 * @typedef {object} MondooOptions
 * @property {{ store: KeyStore, now: Clock }} sts where replays are verified (the STS simulator)
 * @property {string} [apiEndpoint] api_endpoint of issued credentials (default https://us.api.mondoo.com)
 * @property {Clock} [now] for request records and, plus `clockOffsetMs`, the Date header (default Date.now)
 * @property {import('./common.js').Listen} [listen] where to serve (default: a loopback socket; see createInMemoryNetwork)
 * @property {(url: string) => Promise<unknown>} [fetchJson] how OIDC discovery documents and JWKS are fetched
 *   (default: a GET over https trusting the test CA, or http to loopback)
 */

/**
 * GET a small JSON document (an OIDC discovery document or a JWKS), trusting the simulators' test CA.
 * @param {string} url
 * @returns {Promise<unknown>}
 */
function fetchDiscoveryJson(url) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const get = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = get(target, { method: 'GET', ca: readFileSync(CA_FILE), timeout: 5000 }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let size = 0;
      res.on('data', (/** @type {Buffer} */ chunk) => {
        size += chunk.length;
        if (size > 64 * 1024) req.destroy(new Error(`${url}: larger than 64 KB`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url} answered HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new Error(`${url} did not answer with JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer in time`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts the Mondoo simulator.
 * @param {MondooOptions} opts
 */
export async function startMondoo(opts) {
  const apiEndpoint = opts.apiEndpoint ?? 'https://us.api.mondoo.com';
  const now = opts.now ?? Date.now;

  const mondoo = {
    /** api_endpoint of issued credentials. */
    apiEndpoint,
    /** @type {IdentityProvider[]} */ providers: [],
    /** @type {Fault[]} */ script: [],
    /** @type {MondooRequestRecord[]} */ requests: [],
    /** @type {IssuedCredential[]} */ issued: [],
    /** Short-lived tokens issued for `response_type: TOKEN`. @type {IssuedToken[]} */ tokens: [],
    /** Added to the clock for the Date header of every answer, to simulate a client whose clock is off. */
    clockOffsetMs: 0,
    /** Mondoo's clock (its Date header), ms since the epoch. */
    now: () => now() + mondoo.clockOffsetMs,

    /**
     * Registers a workload identity provider (several may share an audience, each with its subject).
     * @param {{ audience: string, subject: string, spaceMrn: string, issuerUri?: string }} provider
     */
    addIdentityProvider({ audience, subject, spaceMrn, issuerUri = AWS_ISSUER }) {
      /** @type {IdentityProvider} */
      const provider = { audience, issuerUri, subject, spaceMrn };
      mondoo.providers.push(provider);
      return provider;
    },

    /**
     * Registers a custom OIDC identity provider: tokens of `issuerUri` for `audience` whose `sub` matches `subject`.
     * @param {{ audience: string, issuerUri: string, subject: string, spaceMrn: string }} provider
     */
    addOidcProvider({ audience, issuerUri, subject, spaceMrn }) {
      /** @type {IdentityProvider} */
      const provider = { audience, issuerUri, subject, spaceMrn, kind: 'oidc' };
      mondoo.providers.push(provider);
      return provider;
    },
  };
  const fetchJson = opts.fetchJson ?? fetchDiscoveryJson;

  /**
   * The custom OIDC providers a request is for (its audience and issuer_uri), when its body names them.
   * @param {MondooRequestRecord} record
   * @returns {{ providers: IdentityProvider[], body: { audience: string, issuerUri: string, jwtToken: string, responseType: 'TOKEN' | 'CREDENTIAL' } } | undefined}
   */
  function oidcRequest(record) {
    if (record.method !== 'POST' || record.path !== EXCHANGE_PATH || !isJsonContentType(record.contentType))
      return undefined;
    const body = parseJson(record.rawBody);
    if (typeof body !== 'object' || body === null) return undefined;
    const {
      audience,
      issuer_uri: issuerUri,
      jwt_token: jwtToken,
      response_type: responseType,
    } = /** @type {Record<string, unknown>} */ (body);
    if (
      typeof audience !== 'string' ||
      typeof issuerUri !== 'string' ||
      typeof jwtToken !== 'string' ||
      jwtToken === ''
    )
      return undefined;
    if (responseType !== undefined && responseType !== 'TOKEN' && responseType !== 'CREDENTIAL') return undefined;
    const providers = mondoo.providers.filter(
      (p) => p.kind === 'oidc' && p.audience === audience && p.issuerUri === issuerUri,
    );
    if (providers.length === 0) return undefined;
    return {
      providers,
      body: { audience, issuerUri, jwtToken, responseType: responseType === 'TOKEN' ? 'TOKEN' : 'CREDENTIAL' },
    };
  }

  /**
   * A JWT for custom OIDC providers: verified by discovery with jose, then its subject matched.
   * @param {MondooRequestRecord} record
   * @param {NonNullable<ReturnType<typeof oidcRequest>>} request
   * @returns {Promise<ExchangeError | { status: 200, base64Credential: string }>}
   */
  async function oidcExchange(record, { providers, body }) {
    record.jwtToken = body.jwtToken;
    /** @type {import('jose').JWTPayload} */
    let payload;
    try {
      const discovery = /** @type {{ issuer?: unknown, jwks_uri?: unknown }} */ (
        await fetchJson(`${body.issuerUri}/.well-known/openid-configuration`)
      );
      if (discovery.issuer !== body.issuerUri)
        throw new Error(`the discovery document names issuer ${String(discovery.issuer)}`);
      if (typeof discovery.jwks_uri !== 'string') throw new Error('the discovery document has no jwks_uri');
      const keys = /** @type {import('jose').JSONWebKeySet} */ (await fetchJson(discovery.jwks_uri));
      ({ payload } = await jwtVerify(body.jwtToken, createLocalJWKSet(keys), {
        issuer: body.issuerUri,
        audience: body.audience,
        algorithms: ['RS256', 'ES384'],
        currentDate: new Date(mondoo.now()),
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      return fail(
        401,
        CODE.unauthenticated,
        `failed to verify the token of issuer ${body.issuerUri}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const subject = String(payload.sub);
    const account = /** @type {Record<string, unknown> | undefined} */ (payload['https://sts.amazonaws.com/'])?.[
      'aws_account'
    ];
    record.identity = {
      arn: subject,
      accountId: typeof account === 'string' ? account : '',
      userId: '',
      accessKeyId: '',
    };
    const provider = providers.find((p) => subjectMatches(p.subject, subject));
    if (provider === undefined) {
      return fail(
        403,
        CODE.permissionDenied,
        `subject ${subject} does not match the subject of any identity provider for audience ${body.audience}`,
      );
    }
    record.responseType = body.responseType;
    return issue(provider, record.identity, record, body.responseType);
  }

  /**
   * A credential (or with TOKEN a short-lived token) for a matched provider.
   * @param {IdentityProvider} provider
   * @param {Identity} identity
   * @param {MondooRequestRecord} record
   * @param {'TOKEN' | 'CREDENTIAL'} responseType
   * @returns {{ status: 200, base64Credential: string }}
   */
  function issue(provider, identity, record, responseType) {
    if (responseType === 'TOKEN') {
      const issuedToken = newToken(provider, apiEndpoint, identity.arn);
      const base64Credential = Buffer.from(JSON.stringify(issuedToken)).toString('base64');
      mondoo.tokens.push({ identity, provider, token: issuedToken, base64Credential, request: record });
      return { status: 200, base64Credential };
    }
    const credential = newCredential(provider, apiEndpoint);
    const base64Credential = Buffer.from(JSON.stringify(credential)).toString('base64');
    mondoo.issued.push({ identity, provider, credential, base64Credential, request: record });
    return { status: 200, base64Credential };
  }

  /**
   * @param {MondooRequestRecord} record
   * @returns {ExchangeError | { status: 200, base64Credential: string }}
   */
  function exchange(record) {
    if (record.method !== 'POST' || record.path !== EXCHANGE_PATH) {
      return fail(404, CODE.unimplemented, `unknown method ${record.method} ${record.path}`);
    }
    if (!isJsonContentType(record.contentType)) {
      return fail(400, CODE.invalidArgument, `invalid content type: ${record.contentType ?? '(none)'}`);
    }
    const parsed = parseExchange(record.rawBody);
    if ('code' in parsed) return parsed;
    record.jwtToken = parsed.jwtToken;
    record.shapeProblems = jwtTokenProblems(parsed.jwtToken);
    record.shapeOk = record.shapeProblems.length === 0;
    // Refused, not only recorded: nothing but the Go client's exact form is known to be accepted by Mondoo.
    if (!record.shapeOk) {
      return fail(
        400,
        CODE.invalidArgument,
        `jwt_token is not the request Mondoo's client sends: ${record.shapeProblems.join('; ')}`,
      );
    }

    const candidates = mondoo.providers.filter((p) => p.kind !== 'oidc' && p.audience === parsed.audience);
    if (candidates.length === 0)
      return fail(404, CODE.notFound, `identity provider not found for audience ${parsed.audience}`);
    const sameIssuer = candidates.filter((p) => p.issuerUri === parsed.issuerUri);
    if (sameIssuer.length === 0) {
      return fail(
        400,
        CODE.invalidArgument,
        `issuer_uri ${parsed.issuerUri} does not match the identity provider's issuer`,
      );
    }
    const verdict = verifySignedRequest(parsed.request, opts.sts.store, opts.sts.now());
    if (!verdict.ok) {
      return fail(
        401,
        CODE.unauthenticated,
        `failed to verify AWS identity: STS returned ${verdict.code}: ${verdict.message}`,
      );
    }
    record.identity = verdict.identity;
    const provider = sameIssuer.find((p) => subjectMatches(p.subject, verdict.identity.arn));
    if (provider === undefined) {
      return fail(
        403,
        CODE.permissionDenied,
        `caller arn ${verdict.identity.arn} does not match the subject of any identity provider for audience ${parsed.audience}`,
      );
    }
    record.responseType = parsed.responseType;
    return issue(provider, verdict.identity, record, parsed.responseType);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const arrival = nextArrival();
    const rawBody = await readBody(req);
    const path = new URL(req.url ?? '/', 'https://mondoo.invalid').pathname;
    /** @type {MondooRequestRecord} */
    const record = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      contentType: req.headers['content-type'],
      rawBody,
      time: now(),
      arrival,
    };
    mondoo.requests.push(record);
    // Every answer, scripted ones included, carries Mondoo's clock (a fault's own headers may override it).
    res.setHeader('date', new Date(mondoo.now()).toUTCString());
    const fault = takeFault(mondoo.script, path);
    if (fault) {
      record.fault = fault;
      answerFault(fault, res, { headers: req.headers, body: rawBody });
      return;
    }
    const oidc = oidcRequest(record);
    const outcome = oidc === undefined ? exchange(record) : await oidcExchange(record, oidc);
    if ('code' in outcome) {
      record.result = outcome;
      sendJson(res, outcome.status, { code: outcome.code, message: outcome.message });
    } else {
      record.result = { status: 200 };
      sendJson(res, 200, { base64_credential: outcome.base64Credential });
    }
  }

  const server = await (opts.listen ?? listen)({ tls: true, handler: handle });
  return Object.assign(mondoo, {
    url: server.url,
    port: server.port,
    /** Full URL of ExchangeExternalToken. */
    exchangeUrl: `${server.url}${EXCHANGE_PATH}`,
    close: server.close,
  });
}

/** @typedef {Awaited<ReturnType<typeof startMondoo>>} MondooSim */

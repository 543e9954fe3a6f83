// @ts-check
/**
 * AWS STS simulator (HTTPS on 127.0.0.1): GetCallerIdentity with SigV4 verification done by `aws4`
 * (independent of the @smithy signer the product uses), and AssumeRoleWithWebIdentity for tokens
 * from the OIDC simulator, and GetWebIdentityToken (outbound identity federation: a JWT signed with a real
 * RSA or P-384 key, whose issuer is this simulator, with its discovery document and JWKS under /.well-known/).
 * Answers and errors use STS's XML shapes.
 */
import aws4 from 'aws4';
import { createHash, generateKeyPairSync, randomUUID, sign as cryptoSign, timingSafeEqual } from 'node:crypto';
import {
  answerFault,
  listen,
  nextArrival,
  randomAccessKeyId,
  randomSecretAccessKey,
  randomSessionToken,
  readBody,
  send,
  takeFault,
} from './common.js';

/** @typedef {import('./common.js').Clock} Clock */
/** @typedef {import('./common.js').Fault & { throttle?: boolean }} StsFault `throttle`: answer 400 Throttling */

/**
 * What STS knows about an access key.
 * @typedef {object} StoredKey
 * @property {string} secretAccessKey
 * @property {string} [sessionToken] present for temporary (ASIA…) credentials
 * @property {string} arn
 * @property {string} accountId
 * @property {string} userId
 * @property {number} [expiresAt] ms since the epoch
 */
/** @typedef {Map<string, StoredKey>} KeyStore access key id → key */

/**
 * @typedef {object} Identity
 * @property {string} arn
 * @property {string} accountId
 * @property {string} userId
 * @property {string} accessKeyId
 */

/**
 * @typedef {{ ok: true, identity: Identity } | { ok: false, status: number, code: string, message: string }} Verification
 */

/**
 * @typedef {object} SignedRequest
 * @property {string} method
 * @property {string} url absolute URL or path with query
 * @property {Record<string, string | string[] | undefined>} headers any letter case
 * @property {string} body
 */

/**
 * @typedef {object} Role
 * @property {string} roleArn
 * @property {string} roleName
 * @property {string} accountId
 * @property {string} roleId AROA…
 * @property {string} audience the `aud` web identity tokens must carry
 * @property {string | undefined} trustSubPattern `sub` the trust policy allows (`*` matches anything), or any
 * @property {number} maxSessionDuration seconds
 */

/**
 * Claims of a verified web identity token.
 * @typedef {{ iss: string, sub: string, aud: string | string[], exp: number } & Record<string, unknown>} WebIdentityClaims
 */

/**
 * @typedef {object} StsRequestRecord
 * @property {string} action
 * @property {string} method
 * @property {string} url
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {string} body
 * @property {number} time sim clock, ms
 * @property {number} arrival when its head arrived, in the order of every simulator's requests (nextArrival)
 * @property {StsFault} [fault] the scripted fault used instead of a real answer
 * @property {{ status: number, code?: string }} [result] the real answer given
 */

/** Allowed distance between X-Amz-Date and the STS clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const MESSAGES = {
  signature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  invalidToken: 'The security token included in the request is invalid.',
  expiredToken: 'The security token included in the request is expired',
  invalidIdentityToken:
    'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.',
  accessDenied: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
};

/**
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @returns {Verification}
 */
const reject = (status, code, message) => ({ ok: false, status, code, message });

/**
 * Verifies a SigV4-signed GetCallerIdentity request the way STS would, with `aws4` computing the
 * signature. Any region is accepted as long as the credential scope says which one was signed.
 * @param {SignedRequest} request
 * @param {KeyStore} store
 * @param {number} now ms since the epoch (the STS clock)
 * @returns {Verification}
 */
export function verifySignedRequest(request, store, now) {
  const headers = lowerCaseHeaders(request.headers);
  const authorization = headers.authorization;
  if (authorization === undefined)
    return reject(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const auth = parseAuthorization(authorization);
  if (typeof auth === 'string') return reject(403, 'IncompleteSignature', auth);

  const signed = auth.signedHeaders.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) {
    return reject(
      403,
      'IncompleteSignature',
      `SignedHeaders must include host and x-amz-date, got '${auth.signedHeaders}'.`,
    );
  }
  const absent = signed.filter((name) => headers[name] === undefined);
  if (absent.length > 0)
    return reject(403, 'IncompleteSignature', `Signed header(s) missing from the request: ${absent.join(', ')}.`);

  const amzDate = /** @type {string} */ (headers['x-amz-date']);
  const dateProblem = checkDate(amzDate, auth.scope, now);
  if (dateProblem) return dateProblem;

  const key = store.get(auth.accessKeyId);
  if (key === undefined) return reject(403, 'InvalidClientTokenId', MESSAGES.invalidToken);
  if (headers['x-amz-security-token'] !== key.sessionToken)
    return reject(403, 'InvalidClientTokenId', MESSAGES.invalidToken);
  if (key.expiresAt !== undefined && key.expiresAt <= now) return reject(403, 'ExpiredToken', MESSAGES.expiredToken);

  const expected = aws4Signature(request, headers, signed, auth, key.secretAccessKey);
  if (expected.signedHeaders !== auth.signedHeaders || !sameHex(expected.signature, auth.signature)) {
    return reject(403, 'SignatureDoesNotMatch', MESSAGES.signature);
  }
  return {
    ok: true,
    identity: { arn: key.arn, accountId: key.accountId, userId: key.userId, accessKeyId: auth.accessKeyId },
  };
}

/**
 * @param {Record<string, string | string[] | undefined>} headers
 * @returns {Record<string, string | undefined>}
 */
function lowerCaseHeaders(headers) {
  /** @type {Record<string, string | undefined>} */
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/**
 * @typedef {object} ParsedAuthorization
 * @property {string} accessKeyId
 * @property {{ date: string, region: string, service: string, terminator: string }} scope
 * @property {string} signedHeaders
 * @property {string} signature
 */

/**
 * Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
 * @param {string} header
 * @returns {ParsedAuthorization | string} the parts, or why they cannot be read
 */
function parseAuthorization(header) {
  const match = /^AWS4-HMAC-SHA256 (.*)$/.exec(header);
  if (!match?.[1]) return `Unsupported Authorization Type`;
  /** @type {Record<string, string>} */
  const params = {};
  for (const part of match[1].split(/,\s*/)) {
    const eq = part.indexOf('=');
    if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((name) => !params[name]);
  if (missing.length > 0) return missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ');
  const [accessKeyId = '', date = '', region = '', service = '', terminator = '', ...extra] = String(
    params.Credential,
  ).split('/');
  if (!accessKeyId || !date || !region || !service || !terminator || extra.length > 0) {
    return 'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term';
  }
  return {
    accessKeyId,
    scope: { date, region, service, terminator },
    signedHeaders: String(params.SignedHeaders),
    signature: String(params.Signature),
  };
}

/**
 * Checks X-Amz-Date's format, its agreement with the credential scope, and the clock skew.
 * @param {string} amzDate
 * @param {ParsedAuthorization['scope']} scope
 * @param {number} now
 * @returns {Verification | undefined} the rejection, if any
 */
function checkDate(amzDate, scope, now) {
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return reject(
      403,
      'IncompleteSignature',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  if (scope.terminator !== 'aws4_request') {
    return reject(
      403,
      'SignatureDoesNotMatch',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${scope.terminator}'.`,
    );
  }
  if (scope.service !== 'sts')
    return reject(403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'. ");
  if (scope.date !== amzDate.slice(0, 8)) {
    return reject(
      403,
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (signedAt < now - MAX_SKEW_MS) {
    return reject(
      403,
      'SignatureDoesNotMatch',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (signedAt > now + MAX_SKEW_MS) {
    return reject(
      403,
      'SignatureDoesNotMatch',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
  return undefined;
}

/**
 * @param {string} value e.g. 20240101T000000Z
 * @returns {number | undefined} ms since the epoch
 */
function parseAmzDate(value) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** @param {number} ms */
const formatAmzDate = (ms) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * The signature `aws4` computes over exactly the signed headers, with the received names.
 * @param {SignedRequest} request
 * @param {Record<string, string | undefined>} headers lower-cased
 * @param {string[]} signed signed header names
 * @param {ParsedAuthorization} auth
 * @param {string} secretAccessKey
 */
function aws4Signature(request, headers, signed, auth, secretAccessKey) {
  const target = new URL(request.url, 'https://sts.invalid');
  /** @type {Record<string, string>} */
  const signedValues = {};
  /** @type {Record<string, boolean>} */
  const include = {};
  for (const name of signed) {
    signedValues[name] = String(headers[name]);
    include[name] = true;
  }
  /** @type {import('aws4').Request & { extraHeadersToInclude: Record<string, boolean> }} */
  const toSign = {
    method: request.method,
    host: String(headers.host),
    path: target.pathname + target.search,
    headers: signedValues,
    body: request.body,
    service: auth.scope.service,
    region: auth.scope.region,
    doNotModifyHeaders: true,
    extraHeadersToInclude: include,
  };
  const signer = new aws4.RequestSigner(toSign, { accessKeyId: auth.accessKeyId, secretAccessKey });
  signer.datetime = String(headers['x-amz-date']);
  return { signature: signer.signature(), signedHeaders: signer.signedHeaders() };
}

/**
 * @param {string} a
 * @param {string} b
 */
function sameHex(a, b) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * A stable IAM-looking unique id (AIDA…, AROA…) for a principal.
 * @param {string} prefix
 * @param {string} seed
 */
const uniqueId = (prefix, seed) => prefix + createHash('sha256').update(seed).digest('hex').slice(0, 17).toUpperCase();

/**
 * The account of an IAM or STS ARN.
 * @param {string} arn
 */
function accountOf(arn) {
  const m = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(arn);
  if (!m?.[1]) throw new Error(`not an IAM or STS ARN: ${arn}`);
  return m[1];
}

/**
 * The UserId GetCallerIdentity reports for an ARN.
 * @param {string} arn
 */
function userIdOf(arn) {
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (!m) return uniqueId('AIDA', arn);
  return `${uniqueId('AROA', `arn:aws:iam::${m[1]}:role/${m[2]}`)}:${m[3]}`;
}

/** @param {string} text */
const xmlEscape = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

/** @param {number} ms */
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * @typedef {object} StsAnswer
 * @property {number} status
 * @property {string} xml
 * @property {string} [code] error code
 */

/**
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @returns {StsAnswer}
 */
function errorAnswer(status, code, message) {
  const xml =
    `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${xmlEscape(code)}</Code>\n` +
    `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
  return { status, code, xml };
}

/**
 * A new session of `role`: its keys are added to the store, and the answer's <Credentials> and
 * <AssumedRoleUser> elements returned (the same in AssumeRole and AssumeRoleWithWebIdentity).
 * @param {{ now: () => number, addSessionKey: (key: { arn: string, expiresAt: number }) => { accessKeyId: string, secretAccessKey: string, sessionToken: string, expiresAt: number } }} sts
 * @param {{ accountId: string, roleName: string, roleId: string }} role
 * @param {string} sessionName
 * @param {number} durationSeconds
 * @returns {string}
 */
function assumedRoleSession(sts, role, sessionName, durationSeconds) {
  const arn = `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
  const creds = sts.addSessionKey({ arn, expiresAt: sts.now() + durationSeconds * 1000 });
  return (
    '    <Credentials>\n' +
    xmlFields(
      {
        AccessKeyId: creds.accessKeyId,
        SecretAccessKey: creds.secretAccessKey,
        SessionToken: creds.sessionToken,
        Expiration: isoSeconds(creds.expiresAt),
      },
      '      ',
    ) +
    '    </Credentials>\n    <AssumedRoleUser>\n' +
    xmlFields({ AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: arn }, '      ') +
    '    </AssumedRoleUser>\n'
  );
}

/**
 * @param {string} action
 * @param {string} result inner XML of the <…Result> element
 * @returns {StsAnswer}
 */
function successAnswer(action, result) {
  const xml =
    `<${action}Response xmlns="${XMLNS}">\n  <${action}Result>\n${result}  </${action}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  return { status: 200, xml };
}

/**
 * @param {Record<string, string>} fields element name → text, in order
 * @param {string} indent
 */
const xmlFields = (fields, indent) =>
  Object.entries(fields)
    .map(([name, value]) => `${indent}<${name}>${xmlEscape(value)}</${name}>\n`)
    .join('');

/**
 * Query parameters of an STS call: the query string, overridden by the form body.
 * @param {string} url
 * @param {string} body
 */
function stsParams(url, body) {
  const params = new URL(url, 'https://sts.invalid').searchParams;
  for (const [name, value] of new URLSearchParams(body)) params.set(name, value);
  return params;
}

/**
 * @typedef {object} StsOptions
 * @property {Clock} [now] the clock before `clockOffsetMs` (default Date.now)
 * @property {import('./common.js').Listen} [listen] where to serve (default: a loopback socket; see createInMemoryNetwork)
 * @property {{ decode(token: string): WebIdentityClaims | null }} [webIdentity] checks a web identity token's
 *   signature and issuer (not its expiry) and returns its claims; without it no token is accepted
 */

/**
 * Outbound identity federation (GetWebIdentityToken) of the simulated account, and the errors it can be told
 * to give.
 * @typedef {object} OutboundFederation
 * @property {boolean} enabled false: OutboundWebIdentityFederationDisabledException (403)
 * @property {(principalArn: string, audiences: string[]) => boolean} allowed the IAM policy: false gives AccessDenied (403)
 * @property {boolean} payloadTooLarge true: JWTPayloadSizeExceededException (400)
 * @property {Record<string, unknown>} extraClaims added to every token's payload (tests of hostile claims)
 */

/**
 * Starts the STS simulator.
 * @param {StsOptions} [opts]
 */
export async function startSts(opts = {}) {
  const baseClock = opts.now ?? Date.now;
  /** @type {KeyStore} */
  const store = new Map();
  /** @type {Map<string, Role>} */
  const roles = new Map();

  const sts = {
    store,
    roles,
    /** @type {StsFault[]} */ script: [],
    /** @type {StsRequestRecord[]} */ requests: [],
    /** Paths of the discovery document and JWKS requests, in order. @type {string[]} */ discoveryRequests: [],
    /** Added to the clock, to simulate a skew between the client and STS. */
    clockOffsetMs: 0,
    /** @type {OutboundFederation} */
    outbound: { enabled: true, allowed: () => true, payloadTooLarge: false, extraClaims: {} },
    /** Every JWT GetWebIdentityToken handed out (secrets, for the leak scans). @type {string[]} */
    webIdentityTokens: [],
    /** The issuer of those tokens: this simulator's own URL (set once it listens). */
    issuer: '',
    /** The STS clock, ms since the epoch. */
    now: () => baseClock() + sts.clockOffsetMs,

    /**
     * Registers long-term (AKIA…) keys of an IAM user; missing values are made up.
     * @param {{ arn: string, accessKeyId?: string, secretAccessKey?: string }} key
     */
    addLongTermKey({ arn, accessKeyId = randomAccessKeyId('AKIA'), secretAccessKey = randomSecretAccessKey() }) {
      store.set(accessKeyId, { secretAccessKey, arn, accountId: accountOf(arn), userId: userIdOf(arn) });
      return { accessKeyId, secretAccessKey };
    },

    /**
     * Registers temporary (ASIA…) credentials; missing values are made up.
     * @param {{ arn: string, accessKeyId?: string, secretAccessKey?: string, sessionToken?: string, expiresAt?: number }} key
     */
    addSessionKey({
      arn,
      accessKeyId = randomAccessKeyId('ASIA'),
      secretAccessKey = randomSecretAccessKey(),
      sessionToken = randomSessionToken(),
      expiresAt = sts.now() + 3600_000,
    }) {
      store.set(accessKeyId, {
        secretAccessKey,
        sessionToken,
        arn,
        accountId: accountOf(arn),
        userId: userIdOf(arn),
        expiresAt,
      });
      return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
    },

    /**
     * Creates a role that web identity tokens can assume.
     * @param {{ roleArn: string, audience?: string, trustSubPattern?: string, maxSessionDuration?: number }} role
     */
    addRole({ roleArn, audience = 'sts.amazonaws.com', trustSubPattern, maxSessionDuration = 3600 }) {
      const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
      if (!m?.[1] || !m[2]) throw new Error(`not a role ARN: ${roleArn}`);
      /** @type {Role} */
      const role = {
        roleArn,
        roleName: m[2],
        accountId: m[1],
        roleId: uniqueId('AROA', roleArn),
        audience,
        trustSubPattern,
        maxSessionDuration,
      };
      roles.set(roleArn, role);
      return role;
    },
  };

  /**
   * @param {URLSearchParams} params
   * @returns {StsAnswer}
   */
  function assumeRoleWithWebIdentity(params) {
    const input = validateAssumeRoleInput(params);
    if (typeof input === 'string') return errorAnswer(400, 'ValidationError', input);
    const claims = opts.webIdentity?.decode(input.token) ?? null;
    if (claims === null) return errorAnswer(400, 'InvalidIdentityToken', MESSAGES.invalidIdentityToken);
    const nowSeconds = Math.floor(sts.now() / 1000);
    if (claims.exp <= nowSeconds) {
      return errorAnswer(
        400,
        'ExpiredTokenException',
        `Token expired: current date/time ${nowSeconds} must be before the expiration date/time${claims.exp}`,
      );
    }
    const role = roles.get(input.roleArn);
    if (role === undefined) return errorAnswer(403, 'AccessDenied', MESSAGES.accessDenied);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(role.audience)) return errorAnswer(400, 'InvalidIdentityToken', 'Incorrect token audience');
    if (role.trustSubPattern !== undefined && !globMatches(role.trustSubPattern, claims.sub)) {
      return errorAnswer(403, 'AccessDenied', MESSAGES.accessDenied);
    }
    if (input.durationSeconds > role.maxSessionDuration) {
      return errorAnswer(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    return successAnswer(
      'AssumeRoleWithWebIdentity',
      assumedRoleSession(sts, role, input.sessionName, input.durationSeconds) +
        xmlFields({ SubjectFromWebIdentityToken: claims.sub, Audience: role.audience, Provider: claims.iss }, '    '),
    );
  }

  /**
   * @param {StsRequestRecord} record
   * @returns {StsAnswer}
   */
  function answer(record) {
    const params = stsParams(record.url, record.body);
    if (record.action === 'GetCallerIdentity') {
      const verdict = verifySignedRequest(record, store, sts.now());
      if (!verdict.ok) return errorAnswer(verdict.status, verdict.code, verdict.message);
      const { arn, userId, accountId } = verdict.identity;
      return successAnswer('GetCallerIdentity', xmlFields({ Arn: arn, UserId: userId, Account: accountId }, '    '));
    }
    if (record.action === 'AssumeRoleWithWebIdentity') return assumeRoleWithWebIdentity(params);
    if (record.action === 'AssumeRole') return assumeRoleAnswer(sts, record, params);
    if (record.action === 'GetWebIdentityToken') return getWebIdentityTokenAnswer(sts, record, params, signingKeys);
    return errorAnswer(
      400,
      'InvalidAction',
      `Could not find operation ${record.action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }

  /** @param {import('node:http').ServerResponse} res @param {StsAnswer} reply */
  const sendXml = (res, reply) =>
    send(res, reply.status, reply.xml, {
      'content-type': 'text/xml',
      'x-amzn-requestid': randomUUID(),
      date: new Date(sts.now()).toUTCString(),
    });

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const arrival = nextArrival();
    const body = await readBody(req);
    const url = req.url ?? '/';
    const path = new URL(url, 'https://sts.invalid').pathname;
    if (req.method === 'GET' && path.startsWith('/.well-known/')) {
      const document =
        path === '/.well-known/openid-configuration'
          ? discoveryDocument(sts.issuer)
          : path === '/.well-known/jwks.json'
            ? jwks(signingKeys)
            : undefined;
      sts.discoveryRequests.push(path);
      if (document === undefined) send(res, 404, 'not found', { 'content-type': 'text/plain' });
      else send(res, 200, JSON.stringify(document), { 'content-type': 'application/json' });
      return;
    }
    /** @type {StsRequestRecord} */
    const record = {
      action: stsParams(url, body).get('Action') ?? '',
      method: req.method ?? '',
      url,
      headers: req.headers,
      body,
      time: sts.now(),
      arrival,
    };
    sts.requests.push(record);
    const fault = takeFault(sts.script, record.action);
    if (fault) {
      record.fault = fault;
      if (fault.throttle) sendXml(res, errorAnswer(400, 'Throttling', 'Rate exceeded'));
      else answerFault(fault, res, { headers: req.headers, body });
      return;
    }
    const reply = answer(record);
    record.result = reply.code === undefined ? { status: reply.status } : { status: reply.status, code: reply.code };
    sendXml(res, reply);
  }

  const signingKeys = newSigningKeys();
  const server = await (opts.listen ?? listen)({ tls: true, handler: handle });
  sts.issuer = server.url;
  return Object.assign(sts, { url: server.url, port: server.port, close: server.close });
}

/** @typedef {Awaited<ReturnType<typeof startSts>>} StsSim */

/**
 * @param {URLSearchParams} params
 * @returns {{ roleArn: string, sessionName: string, token: string, durationSeconds: number } | string}
 *   the input, or the ValidationError message
 */
function validateAssumeRoleInput(params) {
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  const token = params.get('WebIdentityToken');
  const duration = params.get('DurationSeconds') ?? '3600';
  /** @type {string[]} */
  const errors = [];
  for (const [member, value] of /** @type {const} */ ([
    ['roleArn', roleArn],
    ['roleSessionName', sessionName],
    ['webIdentityToken', token],
  ])) {
    if (value === null) errors.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  if (sessionName !== null && !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    errors.push(
      `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const durationSeconds = Number(duration);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) {
    errors.push(
      `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  if (errors.length > 0 || roleArn === null || sessionName === null || token === null) {
    return `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
  }
  if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(roleArn)) return 'Request ARN is invalid';
  return { roleArn, sessionName, token, durationSeconds };
}

/**
 * IAM StringLike: `*` matches any run of characters, `?` one character.
 * @param {string} pattern
 * @param {string} value
 */
function globMatches(pattern, value) {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

/**
 * Who may call sts:AssumeRole on which role: STS simulator → role ARN → caller ARN pattern (IAM StringLike).
 * @type {WeakMap<object, Map<string, string>>}
 */
const assumeRoleTrust = new WeakMap();

/**
 * Creates a role that signed AssumeRole calls (role_arn + source_profile profiles) can assume, from callers
 * whose ARN matches `trustedPrincipal` (`*` any).
 * @param {StsSim} sts
 * @param {{ roleArn: string, trustedPrincipal?: string, maxSessionDuration?: number }} role
 */
export function addAssumableRole(sts, { roleArn, trustedPrincipal = '*', maxSessionDuration = 3600 }) {
  const role = sts.addRole({ roleArn, maxSessionDuration });
  let trust = assumeRoleTrust.get(sts);
  if (trust === undefined) assumeRoleTrust.set(sts, (trust = new Map()));
  trust.set(roleArn, trustedPrincipal);
  return role;
}

/**
 * AssumeRole, as STS answers it: the request's SigV4 signature verified with aws4 (verifySignedRequest),
 * the caller allowed by the role's trust, a new session registered like any other temporary key.
 * @param {{ store: KeyStore, roles: Map<string, Role>, now: () => number, addSessionKey: (key: { arn: string, expiresAt: number }) => { accessKeyId: string, secretAccessKey: string, sessionToken: string, expiresAt: number } }} sts
 * @param {StsRequestRecord} record
 * @param {URLSearchParams} params
 * @returns {StsAnswer}
 */
function assumeRoleAnswer(sts, record, params) {
  const verdict = verifySignedRequest(record, sts.store, sts.now());
  if (!verdict.ok) return errorAnswer(verdict.status, verdict.code, verdict.message);
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  const durationSeconds = Number(params.get('DurationSeconds') ?? '3600');
  if (roleArn === null || sessionName === null) {
    return errorAnswer(
      400,
      'ValidationError',
      `1 validation error detected: Value null at '${roleArn === null ? 'roleArn' : 'roleSessionName'}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    return errorAnswer(
      400,
      'ValidationError',
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const denied = `User: ${verdict.identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
  const role = sts.roles.get(roleArn);
  const trusted = assumeRoleTrust.get(sts)?.get(roleArn);
  if (role === undefined || trusted === undefined || !globMatches(trusted, verdict.identity.arn))
    return errorAnswer(403, 'AccessDenied', denied);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > role.maxSessionDuration) {
    return errorAnswer(
      400,
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
  return successAnswer('AssumeRole', assumedRoleSession(sts, role, sessionName, durationSeconds));
}

/**
 * The keys GetWebIdentityToken signs with: one RSA (RS256) and one P-384 (ES384) key, made afresh per simulator.
 * @typedef {{ RS256: { kid: string, key: import('node:crypto').KeyObject, jwk: Record<string, unknown> }, ES384: { kid: string, key: import('node:crypto').KeyObject, jwk: Record<string, unknown> } }} SigningKeys
 * @returns {SigningKeys}
 */
function newSigningKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  /** @param {import('node:crypto').KeyObject} publicKey @param {string} alg */
  const entry = (publicKey, alg) => {
    const kid = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16);
    return { kid, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
  };
  return {
    RS256: { key: rsa.privateKey, ...entry(rsa.publicKey, 'RS256') },
    ES384: { key: ec.privateKey, ...entry(ec.publicKey, 'ES384') },
  };
}

/** @param {string} issuer */
function discoveryDocument(issuer) {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES384'],
  };
}

/** @param {SigningKeys} keys */
const jwks = (keys) => ({ keys: [keys.RS256.jwk, keys.ES384.jwk] });

/**
 * A compact JWS signed with node:crypto: RS256 (RSASSA-PKCS1-v1_5, SHA-256) or ES384 (ECDSA P-384, SHA-384, r||s).
 * @param {Record<string, unknown>} payload
 * @param {'RS256' | 'ES384'} alg
 * @param {SigningKeys} keys
 */
export function signJwt(payload, alg, keys) {
  const part = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg, kid: keys[alg].kid, typ: 'JWT' })}.${part(payload)}`;
  const signature =
    alg === 'RS256'
      ? cryptoSign('sha256', Buffer.from(input), keys.RS256.key)
      : cryptoSign('sha384', Buffer.from(input), { key: keys.ES384.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Hosts of the global STS endpoint, which does not serve GetWebIdentityToken. */
const GLOBAL_HOSTS = new Set(['sts.amazonaws.com', 'sts.global.api.aws']);

/**
 * GetWebIdentityToken as STS answers it: the SigV4 signature verified with aws4, a regional host, the
 * account's outbound federation enabled, the caller allowed, the parameters valid, the duration within the
 * session's remaining life; then a JWT for the audience, `sub` the principal's ARN (for an assumed-role
 * session, the role's ARN).
 * @param {{ store: KeyStore, now: () => number, outbound: OutboundFederation, webIdentityTokens: string[], issuer: string }} sts
 * @param {StsRequestRecord} record
 * @param {URLSearchParams} params
 * @param {SigningKeys} keys
 * @returns {StsAnswer}
 */
function getWebIdentityTokenAnswer(sts, record, params, keys) {
  const host = String(record.headers.host ?? '')
    .replace(/:\d+$/, '')
    .toLowerCase();
  if (GLOBAL_HOSTS.has(host)) {
    return errorAnswer(
      400,
      'InvalidAction',
      'GetWebIdentityToken is not available on the global STS endpoint. Use a regional endpoint.',
    );
  }
  const verdict = verifySignedRequest(record, sts.store, sts.now());
  if (!verdict.ok) return errorAnswer(verdict.status, verdict.code, verdict.message);
  /** @type {string[]} */
  const audiences = [];
  for (let n = 1; params.has(`Audience.member.${n}`); n++) audiences.push(String(params.get(`Audience.member.${n}`)));
  const algorithm = params.get('SigningAlgorithm');
  const duration = params.get('DurationSeconds') ?? '300';
  const durationSeconds = Number(duration);
  /** @type {string[]} */
  const errors = [];
  if (audiences.length < 1 || audiences.length > 10)
    errors.push(`Value at 'audience' failed to satisfy constraint: Member must have length between 1 and 10`);
  if (algorithm !== 'RS256' && algorithm !== 'ES384')
    errors.push(
      `Value '${algorithm ?? 'null'}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]`,
    );
  if (!/^\d+$/.test(duration) || durationSeconds < 60 || durationSeconds > 3600)
    errors.push(
      `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 60 and 3600`,
    );
  if (errors.length > 0 || (algorithm !== 'RS256' && algorithm !== 'ES384')) {
    return errorAnswer(
      400,
      'ValidationError',
      `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.join('; ')}`,
    );
  }
  if (!sts.outbound.enabled) {
    return errorAnswer(
      403,
      'OutboundWebIdentityFederationDisabledException',
      'Outbound web identity federation is disabled for this account.',
    );
  }
  const principal = principalOf(verdict.identity.arn);
  if (!sts.outbound.allowed(verdict.identity.arn, audiences)) {
    return errorAnswer(
      403,
      'AccessDenied',
      `User: ${verdict.identity.arn} is not authorized to perform: sts:GetWebIdentityToken because no identity-based policy allows the sts:GetWebIdentityToken action`,
    );
  }
  const key = sts.store.get(verdict.identity.accessKeyId);
  const now = sts.now();
  if (key?.expiresAt !== undefined && now + durationSeconds * 1000 > key.expiresAt) {
    return errorAnswer(
      403,
      'SessionDurationEscalationException',
      'The requested token duration exceeds the remaining duration of the session.',
    );
  }
  if (sts.outbound.payloadTooLarge)
    return errorAnswer(
      400,
      'JWTPayloadSizeExceededException',
      'The JWT payload size exceeds the maximum allowed size.',
    );
  const iat = Math.floor(now / 1000);
  const exp = iat + durationSeconds;
  const token = signJwt(
    {
      aud: audiences.length === 1 ? audiences[0] : audiences,
      sub: principal,
      iss: sts.issuer,
      iat,
      exp,
      jti: randomUUID(),
      'https://sts.amazonaws.com/': {
        aws_account: verdict.identity.accountId,
        source_region: regionOf(record),
        principal_id: principal,
        org_id: 'o-simulated01',
      },
      ...sts.outbound.extraClaims,
    },
    algorithm,
    keys,
  );
  sts.webIdentityTokens.push(token);
  return successAnswer(
    'GetWebIdentityToken',
    xmlFields({ WebIdentityToken: token, Expiration: isoSeconds(exp * 1000) }, '    '),
  );
}

/**
 * The principal a token names: the role of an assumed-role session, else the caller itself.
 * @param {string} arn
 */
function principalOf(arn) {
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : arn;
}

/**
 * The region of the request's credential scope.
 * @param {StsRequestRecord} record
 */
function regionOf(record) {
  const authorization = record.headers.authorization;
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(authorization ?? ''))?.[1] ?? '';
}

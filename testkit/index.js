// @ts-check
/**
 * Starts every simulator, wired together, with a default world: one AWS account with an IAM user, a
 * role for GitHub OIDC tokens, an EC2 instance role, a session left behind by
 * aws-actions/configure-aws-credentials, and Mondoo identity providers that accept all four.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CA_FILE, connectionsTo } from './common.js';
import { startImds } from './imds.js';
import { startMondoo } from './mondoo.js';
import { startOidc } from './oidc.js';
import { startSts } from './sts.js';

export { CA_FILE, createInMemoryNetwork } from './common.js';
export { startImds } from './imds.js';
export {
  EXCHANGE_PATH,
  STS_REPLAY_BODY,
  STS_REPLAY_URL,
  goClientJwtToken,
  jwtTokenProblems,
  startMondoo,
  subjectMatches,
} from './mondoo.js';
export { GITHUB_ISSUER, startOidc } from './oidc.js';
export { addAssumableRole, startSts, verifySignedRequest } from './sts.js';
export { startContainerCredentials } from './container.js';

/** @typedef {'env-long' | 'env-session' | 'role' | 'imds' | 'none'} Mode */

/** Where the credentials come from in each mode. @type {readonly Mode[]} */
export const MODES = ['env-long', 'env-session', 'role', 'imds', 'none'];

const ACCOUNT_ID = '123456789012';
const AUDIENCE = `//captain.api.mondoo.app/spaces/test-space-123`;

/**
 * @typedef {object} SimulatorsOptions
 * @property {import('./common.js').Clock} [now] shared clock (default Date.now)
 * @property {{ silent?: boolean, extendedApi?: boolean }} [imds] IMDS behaviour
 * @property {import('./common.js').Listen} [listen] where the simulators serve (default: loopback sockets;
 *   createInMemoryNetwork's `listen` for tests that run the core in process)
 * @property {(url: string) => Promise<unknown>} [fetchJson] how the Mondoo simulator fetches OIDC discovery
 *   documents and JWKS (default: https trusting the test CA; in memory: through the network's dispatch)
 */

/**
 * Starts STS, Mondoo, GitHub OIDC and IMDS simulators with the default world.
 * @param {SimulatorsOptions} [opts]
 */
export async function startSimulators(opts = {}) {
  const now = opts.now ?? Date.now;
  const served = opts.listen ? { listen: opts.listen } : {};
  const oidc = await startOidc({ now, ...served });
  const sts = await startSts({ now, webIdentity: oidc, ...served });
  const imds = await startImds({ sts, now, accountId: ACCOUNT_ID, ...opts.imds, ...served });
  const mondoo = await startMondoo({ sts, now, ...served, ...(opts.fetchJson ? { fetchJson: opts.fetchJson } : {}) });
  const tmp = await mkdtemp(join(tmpdir(), 'mondoo-aws-auth-sim-'));
  const world = buildWorld({ sts, oidc, imds, mondoo, now });

  /**
   * Environment for a child process that should authenticate in `mode`. Start it from an environment
   * without AWS_* / ACTIONS_ID_TOKEN_* variables of its own: this only sets variables.
   * @param {Mode} mode
   * @returns {Record<string, string>}
   */
  function env(mode) {
    /** @type {Record<string, string>} */
    const common = {
      NODE_EXTRA_CA_CERTS: CA_FILE,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_CONFIG_FILE: join(tmp, 'aws-config-absent'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'aws-credentials-absent'),
      SIM_MONDOO_URL: mondoo.url,
      SIM_AUDIENCE: world.mondoo.audience,
      ...(mode === 'imds'
        ? { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_EC2_METADATA_V1_DISABLED: 'true' }
        : { AWS_EC2_METADATA_DISABLED: 'true' }),
    };
    switch (mode) {
      case 'env-long':
        return {
          ...common,
          AWS_ACCESS_KEY_ID: world.user.accessKeyId,
          AWS_SECRET_ACCESS_KEY: world.user.secretAccessKey,
        };
      case 'env-session':
        return {
          ...common,
          AWS_ACCESS_KEY_ID: world.session.accessKeyId,
          AWS_SECRET_ACCESS_KEY: world.session.secretAccessKey,
          AWS_SESSION_TOKEN: world.session.sessionToken,
          AWS_REGION: world.region,
          AWS_DEFAULT_REGION: world.region,
        };
      case 'role':
        return {
          ...common,
          ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
          SIM_ROLE_ARN: world.role.roleArn,
        };
      case 'imds':
      case 'none':
        return common;
      default:
        throw new Error(`unknown mode ${String(mode)}; expected one of ${MODES.join(', ')}`);
    }
  }

  return {
    sts,
    mondoo,
    oidc,
    imds,
    caFile: CA_FILE,
    world,
    env,
    /** The TCP connections a simulator accepted since the last clearRecords. */
    connections: (/** @type {'sts' | 'mondoo' | 'oidc' | 'imds'} */ name) =>
      connectionsTo({ sts, mondoo, oidc, imds }[name].port),
    /** Every secret any simulator handed out or received, for log leak checks. */
    secrets: () => collectSecrets({ sts, mondoo, oidc, imds }),
    /** Forgets every recorded request, issued credential and scripted fault, between tests. */
    clearRecords: () => {
      for (const sim of [sts, mondoo, oidc, imds]) {
        sim.requests.length = 0;
        sim.script.length = 0;
        connectionsTo(sim.port).length = 0;
      }
      mondoo.issued.length = 0;
      mondoo.tokens.length = 0;
      sts.discoveryRequests.length = 0;
      sts.outbound = { enabled: true, allowed: () => true, payloadTooLarge: false, extraClaims: {} };
    },
    close: async () => {
      await Promise.all([sts.close(), mondoo.close(), oidc.close(), imds.close()]);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startSimulators>>} Simulators */

/**
 * Creates the default identities and identity providers.
 * @param {{
 *   sts: import('./sts.js').StsSim,
 *   oidc: import('./oidc.js').OidcSim,
 *   imds: import('./imds.js').ImdsSim,
 *   mondoo: import('./mondoo.js').MondooSim,
 *   now: import('./common.js').Clock,
 * }} sims
 */
function buildWorld({ sts, oidc, imds, mondoo, now }) {
  const userArn = `arn:aws:iam::${ACCOUNT_ID}:user/ci-user`;
  const sessionArn = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/ci-session/gh-123`;
  const role = sts.addRole({
    roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/mondoo-ci`,
    audience: 'sts.amazonaws.com',
    trustSubPattern: 'repo:org/repo:*',
  });
  const subjects = [
    userArn,
    `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role.roleName}/*`,
    `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${imds.roleName}/*`,
    `arn:aws:sts::${ACCOUNT_ID}:assumed-role/ci-session/*`,
  ];
  const issuerUri = 'https://sts.amazonaws.com';
  for (const subject of subjects)
    mondoo.addIdentityProvider({ audience: AUDIENCE, issuerUri, subject, spaceMrn: AUDIENCE });
  // proof aws-jwt: custom OIDC identity providers for the STS simulator's outbound federation issuer. A
  // token's subject is the principal: the IAM user, or for an assumed-role session the role itself.
  const jwtSubjects = [
    userArn,
    role.roleArn,
    `arn:aws:iam::${ACCOUNT_ID}:role/ci-session`,
    `arn:aws:iam::${ACCOUNT_ID}:role/${imds.roleName}`,
  ];
  for (const subject of jwtSubjects)
    mondoo.addOidcProvider({ audience: AUDIENCE, issuerUri: sts.issuer, subject, spaceMrn: AUDIENCE });
  return {
    accountId: ACCOUNT_ID,
    region: 'us-east-1',
    /** IAM user with long-term keys. */
    user: { arn: userArn, ...sts.addLongTermKey({ arn: userArn }) },
    /** Temporary credentials as left behind by aws-actions/configure-aws-credentials. */
    session: { arn: sessionArn, ...sts.addSessionKey({ arn: sessionArn, expiresAt: now() + 3600_000 }) },
    /** Role for GitHub OIDC tokens; sessions are `arn:aws:sts::…:assumed-role/mondoo-ci/<session name>`. */
    role: { roleArn: role.roleArn, audience: role.audience, trustSubPattern: role.trustSubPattern },
    /** EC2 instance role served by IMDS. */
    instance: { roleName: imds.roleName, instanceId: imds.instanceId, arn: imds.arn, ...imds.credentials },
    oidc: { subject: oidc.subject, requestUrl: oidc.requestUrl, requestToken: oidc.requestToken },
    mondoo: {
      url: mondoo.url,
      exchangeUrl: mondoo.exchangeUrl,
      audience: AUDIENCE,
      issuerUri,
      spaceMrn: AUDIENCE,
      subjects,
      /** The issuer of GetWebIdentityToken's JWTs (the STS simulator), and the subjects its OIDC providers allow. */
      jwtIssuer: sts.issuer,
      jwtSubjects,
      apiEndpoint: mondoo.apiEndpoint,
    },
  };
}

/**
 * @param {{
 *   sts: import('./sts.js').StsSim,
 *   oidc: import('./oidc.js').OidcSim,
 *   imds: import('./imds.js').ImdsSim,
 *   mondoo: import('./mondoo.js').MondooSim,
 * }} sims
 * @returns {string[]} distinct, non-empty
 */
function collectSecrets({ sts, mondoo, oidc, imds }) {
  /** @type {Set<string>} */
  const found = new Set([oidc.requestToken, ...oidc.tokens, ...imds.tokens, ...sts.webIdentityTokens]);
  for (const key of sts.store.values()) {
    found.add(key.secretAccessKey);
    if (key.sessionToken) found.add(key.sessionToken);
  }
  for (const request of sts.requests) {
    addSignature(found, request.headers.authorization);
    const securityToken = request.headers['x-amz-security-token'];
    if (typeof securityToken === 'string') found.add(securityToken);
    const webIdentityToken = new URLSearchParams(request.body).get('WebIdentityToken');
    if (webIdentityToken) found.add(webIdentityToken);
  }
  for (const request of mondoo.requests) {
    if (request.jwtToken === undefined) continue;
    found.add(request.jwtToken);
    addSignature(found, request.jwtToken);
  }
  for (const { base64Credential, token } of mondoo.tokens) {
    found.add(base64Credential);
    found.add(token.token);
  }
  for (const { base64Credential, credential } of mondoo.issued) {
    found.add(base64Credential);
    found.add(credential.private_key);
    for (const line of credential.private_key.split('\n')) {
      if (line.length > 8 && !line.startsWith('-----')) found.add(line);
    }
  }
  found.delete('');
  return [...found];
}

/**
 * @param {Set<string>} found
 * @param {unknown} text anything that may contain `Signature=<hex>`
 */
function addSignature(found, text) {
  if (typeof text !== 'string') return;
  for (const match of text.matchAll(/Signature=([0-9a-f]{64})/g)) if (match[1]) found.add(match[1]);
}

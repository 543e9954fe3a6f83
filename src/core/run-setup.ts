/**
 * The one set-up of a run, shared by the Action, the CLI and the in-process test harness, in the order that
 * security needs: the masker exists first (the adapter builds it, so even a failed set-up is redacted), then
 * the secrets the host handed the tool are registered (the runner's OIDC request token, then a proxy URL's
 * credentials), and only then are the settings parsed and the HTTP client built, so no message about a bad
 * setting or proxy can carry one of them unmasked. __tests__/unit/run-setup.test.ts pins the order.
 * It is where the environment is read: each reader turns its part into typed settings once (the proxy, the CI's
 * variables, the settings, the STS endpoint), and what runs after it gets those, never `env`.
 */
import { authenticate, type AuthResult, type Deps, type LazyModules, type Logger } from './authenticate.js';
import { readCiEnvironment, type CiEnvironment } from './ci-tokens/ci-environment.js';
import type { WebIdentityTokenSource } from './ci-tokens/token-source.js';
import { readStsEndpoint, type Config, type Describe, type RawInputs } from './config/config.js';
import { parseConfig } from './config/settings.js';
import { readAwsEnvironment, type AwsEnvironment } from './credentials/aws-environment.js';
import { systemClock } from './network/clock.js';
import { createHttpClient, type HttpClient, type HttpRequest } from './network/http.js';
import { proxySecrets, readProxySettings, type ProxySettings } from './network/proxy.js';
import { ignoredTlsOverride } from './network/tls-policy.js';
import type { Masker } from './safety/masker.js';
import { stsTargetFor } from './sts/sts.js';

/** Makes the client every request goes through: createHttpClient, or the in-process harness's. */
export type HttpClientFactory = (proxy: ProxySettings) => HttpClient;

export interface RunSetupOptions {
  env: NodeJS.ProcessEnv;
  masker: Masker;
  log: Logger;
  /**
   * The adapter's raw settings (Action inputs, CLI flags with their fallbacks), read after the host secrets;
   * `ci` gives the CLI its default session name, `aws` whether static keys are in the environment.
   */
  inputs(ci: CiEnvironment, aws: AwsEnvironment): RawInputs;
  /** The CLI's --web-identity-token-env NAME: the variable whose value the set-up reads (readCiEnvironment). */
  tokenEnv?: string | undefined;
  /** How the adapter names a setting in messages (the CLI: its flag). */
  describe?: Describe;
  httpClient?: HttpClientFactory;
}

/** What the adapter adds for its run: its lazy modules, its token source and whether it names the identity. */
export interface RunChoices {
  lazy: LazyModules;
  /** The role's web identity token source, from the job's CI variables; called only when role-to-assume is set. */
  webIdentity(config: Config, http: HttpClient, ci: CiEnvironment): WebIdentityTokenSource;
  /** See Deps.learnIdentity. */
  learnIdentity: boolean;
}

/**
 * Registers the secrets the host hands the tool before it starts, first of all: the runner's OIDC request
 * token, then the credentials in a proxy URL. Returns the proxy settings (a proxy URL that cannot be used is a
 * ConfigError, raised after the request token is registered).
 */
export function registerHostSecrets(masker: Masker, env: NodeJS.ProcessEnv): ProxySettings {
  masker.add(env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '');
  const proxy = readProxySettings(env);
  // A URL with credentials is found whole; its password, registered on its own, in pieces too.
  for (const value of proxySecrets(proxy)) masker.add(value, { pieces: !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) });
  return proxy;
}

/** A SigV4 signature in an Authorization header, or in a presigned URL's query. */
const SIGNATURE = /(?:\bSignature=|[?&]X-Amz-Signature=)([0-9a-f]{64})\b/i;

/**
 * The client with one rule for every signed request the run sends, whoever signed it (the identity lookup,
 * AssumeRoleWithWebIdentity, AssumeRole, GetWebIdentityToken, the AWS SDK's own STS calls through sdk-http):
 * its signature, and its Authorization header whole, are registered with the masker before the request leaves,
 * so a server that echoes request headers cannot put a replayable signature in a log line
 * (__tests__/unit/run-setup.test.ts, __tests__/e2e/hostile-log.test.ts).
 */
export function maskingSignatures(http: HttpClient, masker: Masker): HttpClient {
  const send = (request: HttpRequest): ReturnType<HttpClient> => {
    const authorization = Object.entries(request.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'authorization',
    )?.[1];
    for (const text of [authorization ?? '', request.url]) {
      const signature = SIGNATURE.exec(text)?.[1];
      if (signature !== undefined) masker.add(signature);
    }
    // The header is public text around the signature: found whole only, its signature in pieces (above).
    if (authorization !== undefined) masker.add(authorization, { pieces: false });
    return http(request);
  };
  return Object.assign(send, http.preconnect ? { preconnect: http.preconnect.bind(http) } : {});
}

/** A prepared run: its settings, its HTTP client, what the job's CI variables say and what the AWS chain reads. */
export interface PreparedRun {
  config: Config;
  http: HttpClient;
  ci: CiEnvironment;
  aws: AwsEnvironment;
}

/**
 * Host secrets, then the CI's variables and the credential chain's view of the environment (each read once,
 * never failing), then settings, then the warning about an ignored NODE_TLS_REJECT_UNAUTHORIZED (once per run)
 * and the HTTP client.
 */
export function prepareRun(opts: RunSetupOptions): PreparedRun {
  const proxy = registerHostSecrets(opts.masker, opts.env);
  const ci = readCiEnvironment(opts.env, opts.tokenEnv);
  const aws = readAwsEnvironment(opts.env);
  const config = parseConfig(opts.inputs(ci, aws), opts.env, opts.describe);
  const override = ignoredTlsOverride(opts.env);
  if (override !== undefined) opts.log.warning(override);
  const client = (opts.httpClient ?? createHttpClient)(proxy);
  return { config, http: maskingSignatures(client, opts.masker), ci, aws };
}

/**
 * The core's dependencies for a prepared run: the system clock, the masker's registration, the adapter's
 * choices, and the STS target. A broken token setting, then a broken STS endpoint, is a ConfigError here,
 * before any request.
 */
export function runDeps(opts: RunSetupOptions, prepared: PreparedRun, choices: RunChoices): Deps {
  const { config, http, ci, aws } = prepared;
  const webIdentity = config.roleToAssume === undefined ? undefined : choices.webIdentity(config, http, ci);
  return {
    aws,
    credentialsFix: ci.credentialsFix,
    stsTarget: stsTargetFor(config.region, readStsEndpoint(opts.env)),
    http,
    clock: systemClock,
    log: opts.log,
    lazy: choices.lazy,
    secret: opts.masker.add,
    learnIdentity: choices.learnIdentity,
    webIdentity,
  };
}

/** prepareRun, then authenticate: the whole run of an adapter, from its raw settings to the result. */
export async function setUpAndAuthenticate(
  opts: RunSetupOptions,
  choices: RunChoices,
): Promise<{ config: Config; result: AuthResult }> {
  const prepared = prepareRun(opts);
  const result = await authenticate(prepared.config, runDeps(opts, prepared, choices));
  return { config: prepared.config, result };
}

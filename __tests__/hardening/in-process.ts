/**
 * The core run in this process, as the Action runs it (its settings, masker and logger), through the Deps
 * seam: the simulators' request handlers sit behind an in-memory HTTP client, so a scenario costs no process
 * start and no TLS. The transport's own behaviour (sockets, TLS, proxies, time limits) is tested end to end
 * and in __tests__/hardening/proxy.test.ts.
 */
import { ConfigError, errorCode, errorMessage } from '../../src/core/safety/errors.js';
import { networkFailure, noAnswerWithin, type HttpClient } from '../../src/core/network/http.js';
import { createMasker } from '../../src/core/safety/masker.js';
import { setUpAndAuthenticate } from '../../src/core/run-setup.js';
import { gitHubTokenSource } from '../../src/core/ci-tokens/token-source.js';
import type { createInMemoryNetwork } from '../../testkit/index.js';
import type { Mode, Run, RunOptions, World } from './world.js';

type Network = ReturnType<typeof createInMemoryNetwork>;

/** An HttpClient over the simulators' handlers, with the per-request time limit and failures of the real one. */
export function inMemoryHttpClient(network: Network): HttpClient {
  return (request) =>
    new Promise((resolve, reject) => {
      const target = new URL(request.url);
      const timer = setTimeout(() => reject(noAnswerWithin(target, request.timeoutMs)), request.timeoutMs);
      network
        .dispatch({
          url: request.url,
          method: request.method,
          headers: request.headers ?? {},
          ...(request.body !== undefined ? { body: request.body } : {}),
        })
        .then(
          (answer) => {
            clearTimeout(timer);
            resolve(answer);
          },
          (err: Error) => {
            clearTimeout(timer);
            reject(networkFailure(err, target));
          },
        );
    });
}

/** Runs authenticate() in `world` (an in-memory one) in `mode`, with the Action's inputs and masking policy. */
export async function runInProcess(world: World, mode: Mode, opts: RunOptions = {}): Promise<Run> {
  if (world.network === undefined) throw new Error('runInProcess needs a world started with inMemory: true');
  const network = world.network;
  const inputs: Record<string, string> = {
    audience: world.sims.world.mondoo.audience,
    'universe-domain': world.mondooUrl,
    ...(mode === 'role' ? { 'role-to-assume': world.sims.world.role.roleArn } : {}),
    'attempt-timeout-seconds': '5',
    ...opts.inputs,
  };
  const env = { ...world.env(mode), ...opts.env };
  const masks: string[] = [];
  const log: string[] = [];
  const warnings: string[] = [];
  const masker = createMasker({ registerWithHost: (value) => masks.push(value) });
  const logger = {
    info: (m: string) => log.push(masker.redact(m)),
    warning: (m: string) => {
      warnings.push(masker.redact(m));
      log.push(`warning: ${masker.redact(m)}`);
    },
    debug: (m: string) => log.push(`debug: ${masker.redact(m)}`),
  };
  const started = performance.now();
  const base = {
    kind: 'core' as const,
    stdout: '',
    stderr: '',
    masks,
    warnings,
    ordered: [],
    writes: [],
    requestedOutputs: [],
    files: new Map<string, string>(),
  };
  try {
    // The adapters' own set-up, with the simulators' handlers behind the HTTP client.
    const { result } = await setUpAndAuthenticate(
      { env, masker, log: logger, inputs: () => inputs, httpClient: () => inMemoryHttpClient(network) },
      {
        lazy: {
          credentialChain: () =>
            Promise.reject(
              new Error('the AWS SDK chain reads process.env and its own sockets: it runs end to end only'),
            ),
        },
        webIdentity: (config, http, ci) => gitHubTokenSource(ci.variables, config.webIdentityAudience, http),
        learnIdentity: true,
      },
    );
    return {
      ...base,
      code: 0,
      ms: performance.now() - started,
      log: log.join('\n'),
      error: '',
      errorCode: undefined,
      credential: result.base64Credential,
      arn: result.identity?.arn,
    };
  } catch (err) {
    const failure = {
      error: masker.redact(errorMessage(err)),
      errorCode: errorCode(err),
      input: err instanceof ConfigError ? err.input : undefined,
    };
    return {
      ...base,
      code: 1,
      ms: performance.now() - started,
      log: [...log, failure.error].join('\n'),
      ...failure,
      credential: undefined,
      arn: undefined,
    };
  }
}

/**
 * proof aws-jwt through authenticate(), in process against the simulators' handlers: which connections are
 * opened ahead (the regional STS endpoint first, then Mondoo, even with keys in the environment), which requests
 * are made (GetWebIdentityToken, never GetCallerIdentity), and what the result names.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { authenticate } from '../../../src/core/authenticate.js';
import { readAwsEnvironment } from '../../../src/core/credentials/aws-environment.js';
import { readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
import { systemClock } from '../../../src/core/network/clock.js';
import type { HttpClient } from '../../../src/core/network/http.js';
import { parseConfig } from '../../../src/core/config/settings.js';
import { readStsEndpoint } from '../../../src/core/config/config.js';
import { stsTargetFor } from '../../../src/core/sts/sts.js';
import { createInMemoryNetwork, startSimulators, type Simulators } from '../../../testkit/index.js';
import { inMemoryHttpClient } from '../../hardening/in-process.js';

let network: ReturnType<typeof createInMemoryNetwork>;
let sims: Simulators;
beforeAll(async () => {
  network = createInMemoryNetwork();
  const fetchJson = async (url: string): Promise<unknown> =>
    JSON.parse((await network.dispatch({ url, method: 'GET' })).body) as unknown;
  sims = await startSimulators({ listen: network.listen, fetchJson });
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

async function run(inputs: Record<string, string>) {
  const env = sims.env('env-long');
  const opened: string[] = [];
  const http: HttpClient = Object.assign(inMemoryHttpClient(network), {
    preconnect: (url: string) => void opened.push(url),
  });
  const log: string[] = [];
  const secrets: string[] = [];
  const config = parseConfig(
    { audience: sims.world.mondoo.audience, 'universe-domain': sims.mondoo.url, ...inputs },
    env,
  );
  const result = await authenticate(config, {
    aws: readAwsEnvironment(env),
    credentialsFix: readCiEnvironment(env).credentialsFix,
    stsTarget: stsTargetFor(config.region, readStsEndpoint(env)),
    http,
    clock: systemClock,
    log: { info: (m) => log.push(m), warning: (m) => log.push(m), debug: (m) => log.push(m) },
    lazy: { credentialChain: () => Promise.reject(new Error('not used')) },
    secret: (v) => void secrets.push(v),
    webIdentity: undefined,
    learnIdentity: true,
  });
  return { result, opened, log, secrets };
}

describe('proof aws-jwt through authenticate()', () => {
  it('opens the STS endpoint (AWS_ENDPOINT_URL_STS here) ahead, then Mondoo; one GetWebIdentityToken; the identity from the token', async () => {
    const r = await run({ proof: 'aws-jwt' });
    expect(r.opened).toEqual([`${sims.sts.url}/`, `${sims.mondoo.url}/SecureTokenService/ExchangeExternalToken`]);
    expect(sims.sts.requests.map((q) => q.action)).toEqual(['GetWebIdentityToken']);
    expect(r.result.identity).toEqual({ arn: sims.world.user.arn, accountId: '123456789012' });
    expect(r.result.awsJwt).toMatchObject({ issuer: sims.world.mondoo.jwtIssuer, subject: sims.world.user.arn });
    const token = sims.sts.webIdentityTokens[0]!;
    // The token is registered as a secret before the first log line about it.
    expect(r.secrets).toContain(token);
    expect(r.log.join('\n')).not.toContain(token);
  });

  it('the default proof is unchanged: no STS connection ahead with keys in the environment, a GetCallerIdentity lookup', async () => {
    const r = await run({});
    expect(r.opened).toEqual([`${sims.mondoo.url}/SecureTokenService/ExchangeExternalToken`]);
    expect(sims.sts.requests.map((q) => q.action)).toEqual(['GetCallerIdentity']);
    expect(r.result.awsJwt).toBeUndefined();
  });

  it('without AWS_ENDPOINT_URL_STS, GetWebIdentityToken goes to the regional endpoint of aws-region, never the global one', async () => {
    const urls: string[] = [];
    const http: HttpClient = async (request) => {
      urls.push(request.url);
      return {
        status: 403,
        headers: {},
        body: '<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>',
      };
    };
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    };
    const config = parseConfig({ audience: 'aud', proof: 'aws-jwt', 'aws-region': 'eu-central-1' }, env);
    const deps = {
      aws: readAwsEnvironment(env),
      credentialsFix: readCiEnvironment(env).credentialsFix,
      stsTarget: stsTargetFor(config.region, readStsEndpoint(env)),
      http,
      clock: systemClock,
      log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
      lazy: { credentialChain: () => Promise.reject(new Error('not used')) },
      secret: () => undefined,
      webIdentity: undefined,
      learnIdentity: true,
    };
    await expect(authenticate(config, deps)).rejects.toMatchObject({ code: 'AWS_JWT_ACCESS_DENIED' });
    expect(urls).toEqual(['https://sts.eu-central-1.amazonaws.com/']);
  });
});

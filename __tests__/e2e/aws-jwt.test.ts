/**
 * proof aws-jwt end to end: the built Action and CLI get a JWT from STS GetWebIdentityToken (the simulator
 * signs it with a real RS256 or ES384 key and serves the discovery document and JWKS) and exchange it with
 * Mondoo (the simulator verifies it by discovery with jose), in both credential modes; the STS refusals and a
 * Mondoo rejection with their codes and fixes; the token masked before use and found in no log or file.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { leakedSecrets, runAction, runCli, type ActionRun } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

type Mode = Parameters<Simulators['env']>[0];
const inputs = (mode: Mode, extra: Record<string, string> = {}) => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  'attempt-timeout-seconds': '5',
  proof: 'aws-jwt',
  ...(mode === 'role' ? { 'role-to-assume': sims.world.role.roleArn } : {}),
  ...extra,
});
const cliArgs = (mode: Mode, extra: string[] = []) => [
  '--audience',
  sims.world.mondoo.audience,
  '--universe-domain',
  sims.mondoo.url,
  '--attempt-timeout-seconds',
  '5',
  '--proof',
  'aws-jwt',
  ...(mode === 'role' ? ['--role-to-assume', sims.world.role.roleArn] : []),
  ...extra,
];

/** Everything a run wrote that anyone could read: logs (masks aside) and every file. */
function visible(r: ActionRun): string {
  const log = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  return [log, r.stderr, r.summary].join('\n');
}

const actions = () => sims.sts.requests.map((q) => q.action);
const token = () => sims.sts.webIdentityTokens.at(-1)!;
const payloadOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const headerOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The exchange carried the token, with its issuer, in today's field order; Mondoo verified it and issued. */
function expectExchanged(subject: string): void {
  expect(sims.mondoo.requests).toHaveLength(1);
  const body = JSON.parse(sims.mondoo.requests[0]!.rawBody) as Record<string, string>;
  expect(Object.keys(body)).toEqual(['audience', 'issuer_uri', 'jwt_token']);
  expect(body).toEqual({
    audience: sims.world.mondoo.audience,
    issuer_uri: sims.world.mondoo.jwtIssuer,
    jwt_token: token(),
  });
  expect(sims.mondoo.issued).toHaveLength(1);
  expect(sims.mondoo.issued[0]!.identity.arn).toBe(subject);
  // Mondoo found the keys by discovery.
  expect(sims.sts.discoveryRequests).toEqual(['/.well-known/openid-configuration', '/.well-known/jwks.json']);
}

describe('proof aws-jwt, the Action', () => {
  it.each<[Mode, 'RS256' | 'ES384', () => string]>([
    ['role', 'RS256', () => sims.world.role.roleArn],
    ['env-long', 'ES384', () => sims.world.user.arn],
  ])(
    '%s mode, %s: one GetWebIdentityToken, no GetCallerIdentity; aws-arn is the token subject',
    async (mode, alg, subject) => {
      const r = await runAction(inputs(mode, { 'aws-jwt-algorithm': alg }), sims.env(mode));
      expect(r.errors).toEqual([]);
      expect(r.code).toBe(0);
      expect(actions()).toEqual(
        mode === 'role' ? ['AssumeRoleWithWebIdentity', 'GetWebIdentityToken'] : ['GetWebIdentityToken'],
      );
      const params = Object.fromEntries(new URLSearchParams(sims.sts.requests.at(-1)!.body));
      expect(params).toEqual({
        Action: 'GetWebIdentityToken',
        Version: '2011-06-15',
        'Audience.member.1': sims.world.mondoo.audience,
        SigningAlgorithm: alg,
        DurationSeconds: '300',
      });
      expect(headerOf(token())['alg']).toBe(alg);
      expect(payloadOf(token())).toMatchObject({
        sub: subject(),
        aud: sims.world.mondoo.audience,
        iss: sims.world.mondoo.jwtIssuer,
      });
      expectExchanged(subject());
      expect(r.outputs['aws-arn']).toBe(subject());
      expect(r.outputs['aws-account-id']).toBe('123456789012');
      expect(r.exported).toEqual({ MONDOO_CONFIG_BASE64: sims.mondoo.issued[0]!.base64Credential });
      // Masked before the first line that speaks of it, and in no log line or file.
      const lines = r.stdout.split('\n');
      const masked = lines.indexOf(`::add-mask::${token()}`);
      expect(masked).toBeGreaterThanOrEqual(0);
      expect(masked).toBeLessThan(lines.findIndex((l) => l.startsWith('AWS JWT: ')));
      expect(r.stdout).toContain(
        `AWS JWT: issuer ${sims.world.mondoo.jwtIssuer}, subject ${subject()}, audience ${sims.world.mondoo.audience}, expires `,
      );
      expect(r.summary).toContain(`<td>AWS identity</td><td><code>${subject()}</code></td>`);
      expect(r.summary).toContain(
        `<td>Proof</td><td><code>AWS JWT (GetWebIdentityToken), issuer ${sims.world.mondoo.jwtIssuer}</code></td>`,
      );
      expect(leakedSecrets(visible(r), sims.secrets())).toEqual([]);
      expect(
        leakedSecrets(r.files.output.replace(sims.mondoo.issued[0]!.base64Credential, ''), sims.secrets()),
      ).toEqual([]);
    },
  );

  it('outbound federation disabled: AWS_OUTBOUND_FEDERATION_DISABLED with the one-time command; nothing sent to Mondoo', async () => {
    sims.sts.outbound.enabled = false;
    const r = await runAction(inputs('role'), sims.env('role'));
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /^\[AWS_OUTBOUND_FEDERATION_DISABLED\] STS GetWebIdentityToken failed: OutboundWebIdentityFederationDisabledException: /,
    );
    expect(r.errors[0]).toContain('aws iam enable-outbound-web-identity-federation');
    expect(sims.mondoo.requests).toEqual([]);
    expect(r.outputs).toEqual({});
  });

  it('refuses an unknown proof before any request', async () => {
    const r = await runAction(inputs('env-long', { proof: 'jwt' }), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.errors[0]).toMatch(
      /^\[CONFIG_INVALID_INPUT\] Invalid configuration: input "proof" "jwt" must be signed-request /,
    );
    expect([sims.sts.requests, sims.mondoo.requests]).toEqual([[], []]);
  });

  it('refuses aws-jwt-duration-seconds outside 60-3600 before any request', async () => {
    const r = await runAction(inputs('env-long', { 'aws-jwt-duration-seconds': '59' }), sims.env('env-long'));
    expect(r.errors).toEqual([
      '[CONFIG_INVALID_INPUT] Invalid configuration: input "aws-jwt-duration-seconds" "59" must be a whole number from 60 to 3600.',
    ]);
    expect([sims.sts.requests, sims.mondoo.requests]).toEqual([[], []]);
  });

  it('issuer-uri set to another issuer: AWS_JWT_ISSUER_MISMATCH naming both, before the exchange', async () => {
    const r = await runAction(
      inputs('env-long', { 'issuer-uri': 'https://abc.tokens.sts.global.api.aws' }),
      sims.env('env-long'),
    );
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(
      `[AWS_JWT_ISSUER_MISMATCH] issuer-uri is https://abc.tokens.sts.global.api.aws, but the AWS token's issuer (iss) is ${sims.world.mondoo.jwtIssuer}.`,
    );
    expect(sims.mondoo.requests).toEqual([]);
  });
});

describe('proof aws-jwt, the CLI', () => {
  it.each<[Mode, 'RS256' | 'ES384', () => string]>([
    ['role', 'ES384', () => sims.world.role.roleArn],
    ['env-session', 'RS256', () => 'arn:aws:iam::123456789012:role/ci-session'],
  ])('%s mode, %s: --output json names the token subject', async (mode, alg, subject) => {
    const r = await runCli(
      cliArgs(mode, ['--aws-jwt-algorithm', alg, '--output', 'json', '--verbose']),
      sims.env(mode),
    );
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expectExchanged(subject());
    expect(headerOf(token())['alg']).toBe(alg);
    expect(JSON.parse(r.stdout)).toMatchObject({
      base64_credential: sims.mondoo.issued[0]!.base64Credential,
      aws_arn: subject(),
      aws_account_id: '123456789012',
    });
    expect(actions()).not.toContain('GetCallerIdentity');
    expect(r.stderr).not.toContain('::add-mask::');
    expect(leakedSecrets(r.stderr, sims.secrets())).toEqual([]);
    expect(leakedSecrets(r.stdout.replace(sims.mondoo.issued[0]!.base64Credential, ''), sims.secrets())).toEqual([]);
  });

  it("a machine whose clock runs 8 minutes fast: the token's exp is judged by STS's clock (its Date), and the run succeeds", async () => {
    // STS and Mondoo agree with each other; this machine is ahead of both (SigV4 allows 15 minutes).
    sims.sts.clockOffsetMs = -8 * 60_000;
    sims.mondoo.clockOffsetMs = -8 * 60_000;
    try {
      const r = await runCli(cliArgs('env-long'), sims.env('env-long'));
      expect(r.stderr).not.toContain('error');
      expect(r.code).toBe(0);
      expect(payloadOf(token())['exp']).toBeLessThan(Date.now() / 1000); // expired by this machine's clock
      expectExchanged(sims.world.user.arn);
    } finally {
      sims.sts.clockOffsetMs = 0;
      sims.mondoo.clockOffsetMs = 0;
    }
  });

  it('MONDOO_PROOF=aws-jwt in the environment selects the mode', async () => {
    const r = await runCli(cliArgs('env-long').slice(0, -2), { ...sims.env('env-long'), MONDOO_PROOF: 'aws-jwt' });
    expect(r.code).toBe(0);
    expect(actions()).toEqual(['GetWebIdentityToken']);
  });

  it('AccessDenied: AWS_JWT_ACCESS_DENIED with the IAM statement for the audience', async () => {
    sims.sts.outbound.allowed = () => false;
    const r = await runCli(cliArgs('env-long'), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: [AWS_JWT_ACCESS_DENIED] STS GetWebIdentityToken failed: AccessDenied: User: arn:aws:iam::123456789012:user/ci-user',
    );
    expect(r.stderr).toContain(
      `{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":"${sims.world.mondoo.audience}"}}}`,
    );
    expect(sims.mondoo.requests).toEqual([]);
  });

  it('a token that outlives the session of the credentials: AWS_JWT_DURATION_TOO_LONG, lower aws-jwt-duration-seconds', async () => {
    // The session in the environment ends within the hour: a 3600 s token would outlive it.
    const r = await runCli(cliArgs('env-session', ['--aws-jwt-duration-seconds', '3600']), sims.env('env-session'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: [AWS_JWT_DURATION_TOO_LONG] STS GetWebIdentityToken failed: SessionDurationEscalationException: ',
    );
    expect(r.stderr).toContain(
      'Fix: --aws-jwt-duration-seconds (3600) outlives the AWS session the credentials belong to. Lower --aws-jwt-duration-seconds (the default is 300), or get credentials with a longer session (--role-duration-seconds).',
    );
    expect(sims.mondoo.requests).toEqual([]);
  });

  it('role mode: a token not shorter than role-duration-seconds is refused before any request (exit 2)', async () => {
    const r = await runCli(cliArgs('role', ['--aws-jwt-duration-seconds', '1000']), sims.env('role'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "mondoo-aws-auth: error: [CONFIG_INVALID_INPUT] --aws-jwt-duration-seconds (or MONDOO_AWS_JWT_DURATION_SECONDS) (1000) is not shorter than --role-duration-seconds (900): the AWS JWT would outlive the role's session, which STS refuses. Lower --aws-jwt-duration-seconds (or MONDOO_AWS_JWT_DURATION_SECONDS) (the default is 300), or raise --role-duration-seconds.\n",
    );
    expect([sims.oidc.requests, sims.sts.requests, sims.mondoo.requests]).toEqual([[], [], []]);
  });

  it('JWTPayloadSizeExceededException: AWS_JWT_PAYLOAD_TOO_LARGE', async () => {
    sims.sts.outbound.payloadTooLarge = true;
    const r = await runCli(cliArgs('env-long'), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: [AWS_JWT_PAYLOAD_TOO_LARGE] STS GetWebIdentityToken failed: JWTPayloadSizeExceededException: ',
    );
    expect(sims.mondoo.requests).toEqual([]);
  });

  it('a token for another audience: AWS_JWT_INVALID, nothing sent to Mondoo, the token masked and never shown', async () => {
    sims.sts.outbound.extraClaims = { aud: 'someone-else' };
    const r = await runCli(cliArgs('env-long'), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: [AWS_JWT_INVALID] STS GetWebIdentityToken answered with a token that is not a usable JWT: its "aud" does not contain',
    );
    expect(sims.mondoo.requests).toEqual([]);
    expect(leakedSecrets(r.stderr, [token()])).toEqual([]);
  });

  it('--response-type token: response_type TOKEN follows the JWT in the body, and the token answer is handed on', async () => {
    const r = await runCli(cliArgs('env-long', ['--response-type', 'token', '--output', 'raw']), sims.env('env-long'));
    expect(r.code).toBe(0);
    const body = JSON.parse(sims.mondoo.requests[0]!.rawBody) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['audience', 'issuer_uri', 'jwt_token', 'response_type']);
    expect(body['response_type']).toBe('TOKEN');
    expect(r.stdout).toBe(`${sims.mondoo.tokens[0]!.base64Credential}\n`);
  });

  it('a signed token whose subject carries a workflow command is refused, and no line of the log starts one', async () => {
    sims.sts.outbound.extraClaims = { sub: 'arn:aws:iam::123456789012:role/x\n::error::pwned' };
    const r = await runAction(inputs('env-long'), sims.env('env-long'));
    expect(r.code).toBe(1);
    expect(r.errors).toEqual([expect.stringMatching(/^\[AWS_JWT_INVALID\] .*its "sub" is not an AWS ARN/)]);
    expect(r.stdout.split('\n').filter((l) => l.includes('pwned'))).toEqual([]);
    expect(sims.mondoo.requests).toEqual([]);
  });

  it("Mondoo's rejection names the issuer, subject and audience its custom OIDC provider must have", async () => {
    const other = sims.sts.addLongTermKey({ arn: 'arn:aws:iam::123456789012:user/not-allowed' });
    const env = {
      ...sims.env('env-long'),
      AWS_ACCESS_KEY_ID: other.accessKeyId,
      AWS_SECRET_ACCESS_KEY: other.secretAccessKey,
    };
    const r = await runCli(cliArgs('env-long'), env);
    expect(r.code).toBe(1);
    expect(sims.mondoo.requests[0]!.result?.status).toBe(403);
    expect(r.stderr).toContain(
      `error: [MONDOO_REJECTED_IDENTITY] Mondoo rejected the AWS token for audience "${sims.world.mondoo.audience}".`,
    );
    expect(r.stderr).toContain(
      `Fix: Mondoo needs a custom OIDC identity provider (Settings → Identity Providers) with issuer ${sims.world.mondoo.jwtIssuer}, subject arn:aws:iam::123456789012:user/not-allowed and audience ${sims.world.mondoo.audience}.`,
    );
    expect(actions()).toEqual(['GetWebIdentityToken']);
    expect(leakedSecrets(r.stderr, sims.secrets())).toEqual([]);
  });
});

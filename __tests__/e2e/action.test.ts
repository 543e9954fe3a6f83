/**
 * The built action (dist/index.js) run as the GitHub runner runs it, against the loopback simulators.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulators, type Simulators } from '../../testkit/index.js';
import { leakedSecrets, runAction, type ActionRun } from '../../testkit/runner.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  await sims.close();
});
beforeEach(() => sims.clearRecords());

type Mode = Parameters<Simulators['env']>[0];
const inputsFor = (mode: Mode, extra: Record<string, string> = {}): Record<string, string> => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  ...(mode === 'role' ? { 'role-to-assume': sims.world.role.roleArn } : {}),
  'attempt-timeout-seconds': '5',
  ...extra,
});
const run = (mode: Mode, extra: Record<string, string> = {}, env: Record<string, string> = {}) => runAction(inputsFor(mode, extra), { ...sims.env(mode), ...env });

/** stdout without the add-mask lines (the runner consumes those), stderr, and the summary. */
function visibleLog(r: ActionRun): string {
  return [r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), r.stderr, r.summary].join('\n');
}

function expectNoLeak(r: ActionRun): void {
  expect(leakedSecrets(visibleLog(r), sims.secrets())).toEqual([]);
}

function expectSuccess(r: ActionRun, arn: string): void {
  expect(r.errors).toEqual([]);
  expect(r.code).toBe(0);
  expect(sims.mondoo.issued).toHaveLength(1);
  const issued = sims.mondoo.issued[0]!;
  expect(issued.identity.arn).toBe(arn);
  expect(r.outputs).toEqual({
    'base64-credential': issued.base64Credential,
    'aws-arn': arn,
    'aws-account-id': '123456789012',
    'scope-mrn': issued.credential.space_mrn,
    'service-account-mrn': issued.credential.mrn,
    'api-endpoint': issued.credential.api_endpoint,
  });
  expect(r.exported).toEqual({ MONDOO_CONFIG_BASE64: issued.base64Credential });
  // Masked before use: the credential, the key whole and by line, the signed request and its signature.
  expect(r.masks).toContain(issued.base64Credential);
  expect(r.masks).toContain(issued.credential.private_key);
  for (const line of issued.credential.private_key.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(r.masks).toContain(line);
  const jwtToken = sims.mondoo.requests.at(-1)!.jwtToken!;
  expect(r.masks).toContain(jwtToken);
  expect(r.masks).toContain(/Signature=([0-9a-f]{64})/.exec(jwtToken)![1]);
  // Each secret is registered once.
  expect(r.masks.filter((m, i) => r.masks.indexOf(m) !== i)).toEqual([]);
  expect(r.summary).toContain(arn);
  expect(r.summary).toContain(issued.credential.mrn);
  expect(r.summary).toContain(issued.credential.space_mrn);
  expectNoLeak(r);
}

describe('the action, end to end', () => {
  it('exchanges long-term keys from the environment: one exchange request, in the Go client\'s form', async () => {
    const r = await run('env-long');
    expectSuccess(r, sims.world.user.arn);
    expect(r.masks).toContain(sims.world.user.secretAccessKey);
    expect(sims.mondoo.requests).toHaveLength(1);
    const request = sims.mondoo.requests[0]!;
    expect(request.contentType).toBe('application/json');
    expect(request.shapeOk).toBe(true);
    expect(Object.keys(JSON.parse(request.rawBody) as object)).toEqual(['audience', 'issuer_uri', 'jwt_token']);
    const serialized = JSON.parse(request.jwtToken!) as { url: string; method: string; headers: { key: string; value: string }[] };
    expect(serialized.url).toBe('https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15');
    expect(serialized.headers.map((h) => h.key)).toEqual(['host', 'Authorization', 'Content-Type', 'X-Amz-Date']);
    expect(serialized.headers[1]!.value).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIA[A-Z0-9]+\/\d{8}\/us-east-1\/sts\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
    // Go's key order and escaping, as Mondoo's client writes it (the simulator refuses anything else).
    expect(request.jwtToken).toMatch(/^\{"headers":\[.*\],"method":"POST","url":"https:\/\/sts\.amazonaws\.com\/\?Action=GetCallerIdentity\\u0026Version=2011-06-15"\}$/);
    // The identity lookup went to the tool's own STS endpoint (AWS_ENDPOINT_URL_STS), signed for that host.
    const lookups = sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.headers.host).toBe(new URL(sims.sts.url).host);
    expect(r.stdout).toContain('AWS credentials: environment variables (long-term access key)');
  });

  it('exchanges session credentials left by configure-aws-credentials (security token signed)', async () => {
    const r = await run('env-session');
    expectSuccess(r, sims.world.session.arn);
    expect(r.masks).toEqual(expect.arrayContaining([sims.world.session.secretAccessKey, sims.world.session.sessionToken]));
    const serialized = JSON.parse(sims.mondoo.requests[0]!.jwtToken!) as { headers: { key: string; value: string }[] };
    expect(serialized.headers.map((h) => h.key)).toEqual(['host', 'Authorization', 'Content-Type', 'X-Amz-Date', 'X-Amz-Security-Token']);
    expect(serialized.headers[1]!.value).toContain('SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token,');
  });

  it('assumes a role with the GitHub OIDC token, then exchanges the temporary credentials', async () => {
    const r = await run('role', { 'role-session-name': 'scan-42', 'role-duration-seconds': '1800' });
    expectSuccess(r, `arn:aws:sts::123456789012:assumed-role/mondoo-ci/scan-42`);
    expect(sims.oidc.requests).toHaveLength(1);
    expect(new URL(sims.oidc.requests[0]!.url, 'https://x').searchParams.get('audience')).toBe('sts.amazonaws.com');
    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity');
    expect(assume).toHaveLength(1);
    const params = new URLSearchParams(assume[0]!.body);
    expect(params.get('RoleArn')).toBe(sims.world.role.roleArn);
    expect(params.get('RoleSessionName')).toBe('scan-42');
    expect(params.get('DurationSeconds')).toBe('1800');
    // The identity came from AssumeRoleWithWebIdentity: no extra GetCallerIdentity.
    expect(sims.sts.requests.filter((q) => q.action === 'GetCallerIdentity')).toHaveLength(0);
    // The OIDC token and the assumed role's keys were masked.
    expect(r.masks).toContain(params.get('WebIdentityToken'));
    const serialized = JSON.parse(sims.mondoo.requests[0]!.jwtToken!) as { headers: { key: string; value: string }[] };
    expect(r.masks).toContain(serialized.headers.find((h) => h.key === 'X-Amz-Security-Token')!.value);
  });

  it('uses EC2 instance metadata (IMDSv2) on a self-hosted runner', async () => {
    const r = await run('imds');
    expectSuccess(r, sims.world.instance.arn);
    expect(r.masks).toContain(sims.world.instance.secretAccessKey);
  });

  it('does not export the variable with export-env: false, but still sets the output', async () => {
    const r = await run('env-long', { 'export-env': 'false' });
    expect(r.code).toBe(0);
    expect(r.exported).toEqual({});
    expect(r.outputs['base64-credential']).toBe(sims.mondoo.issued[0]!.base64Credential);
  });

  it('keeps the exchange result when STS cannot be asked who we are (outputs stay empty)', async () => {
    const r = await run('env-long', {}, { AWS_ENDPOINT_URL_STS: 'https://127.0.0.1:9' });
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe('');
    expect(r.outputs['aws-account-id']).toBe('');
    expect(r.outputs['base64-credential']).toBe(sims.mondoo.issued[0]!.base64Credential);
  });
});

describe('failures the user can act on', () => {
  it('names the ARN presented and the subject that would match when Mondoo rejects the identity', async () => {
    const intruder = sims.sts.addSessionKey({ arn: 'arn:aws:sts::123456789012:assumed-role/other-role/session-7', expiresAt: Date.now() + 3_600_000 });
    const r = await run('env-session', {}, { AWS_ACCESS_KEY_ID: intruder.accessKeyId, AWS_SECRET_ACCESS_KEY: intruder.secretAccessKey, AWS_SESSION_TOKEN: intruder.sessionToken! });
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('Mondoo rejected the AWS identity');
    expect(r.errors[0]).toContain('Mondoo answered HTTP 403: PermissionDenied');
    expect(r.errors[0]).toContain('AWS identity presented: arn:aws:sts::123456789012:assumed-role/other-role/session-7');
    expect(r.errors[0]).toContain("set the Mondoo identity provider's subject to: arn:aws:sts::123456789012:assumed-role/other-role/*");
    expect(r.errors[0]).not.toMatch(/\n\s+at /);
    expect(sims.mondoo.requests).toHaveLength(1);
    expect(r.outputs).toEqual({});
    expect(r.exported).toEqual({});
    expectNoLeak(r);
  });

  it('retries transient 503s, re-signing each time, and succeeds', async () => {
    sims.mondoo.script.push({ status: 503, json: { code: 14, message: 'unavailable' } }, { status: 503, text: 'busy' });
    const r = await run('env-long');
    expectSuccess(r, sims.world.user.arn);
    expect(sims.mondoo.requests).toHaveLength(3);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^The Mondoo token exchange: attempt 1 of 3 failed \(Mondoo answered HTTP 503: Unavailable: unavailable\); retrying in \d/);
  });

  it('does not retry a 400 and reports Mondoo\'s message', async () => {
    sims.mondoo.script.push({ status: 400, json: { code: 3, message: 'bad audience format' } });
    const r = await run('env-long');
    expect(r.code).toBe(1);
    expect(sims.mondoo.requests).toHaveLength(1);
    expect(r.errors[0]).toBe('Mondoo answered HTTP 400: InvalidArgument: bad audience format');
  });

  it('reports an HTML error page from a proxy by its title, after the retries', async () => {
    for (let i = 0; i < 2; i++) sims.mondoo.script.push({ status: 502, text: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>' });
    const r = await run('env-long', { 'max-attempts': '2' });
    expect(r.code).toBe(1);
    expect(r.errors[0]).toBe('The Mondoo token exchange failed after 2 attempts: Mondoo answered HTTP 502: an HTML page titled "502 Bad Gateway", probably from a proxy or load balancer in front of Mondoo');
  });

  it.each([
    ['a 200 that is not JSON', { status: 200, text: 'hello' }, /HTTP 200, but not with a JSON object/],
    ['a 200 without a credential', { status: 200, json: {} }, /HTTP 200 without a base64_credential/],
    ['a credential that is not one', { status: 200, json: { base64_credential: Buffer.from('{"mrn":"x"}').toString('base64') } }, /not a service-account credential: the field private_key is missing/],
  ])('treats %s as an error and sets no output', async (_, fault, message) => {
    sims.mondoo.script.push(fault);
    const r = await run('env-long');
    expect(r.code).toBe(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.outputs).toEqual({});
    expect(r.exported).toEqual({});
  });

  it('fails within seconds with where it looked when there are no credentials anywhere', async () => {
    const r = await run('none');
    expect(r.code).toBe(1);
    expect(r.ms).toBeGreaterThan(0);
    expect(r.errors[0]).toMatch(/^No AWS credentials found\. Looked in: environment variables AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY; the shared config and credentials files .*EC2 instance metadata \(IMDSv2\) \(disabled by AWS_EC2_METADATA_DISABLED\)\. .*Fix: run aws-actions\/configure-aws-credentials before this step/);
    expect(sims.mondoo.requests).toHaveLength(0);
  });

  it('asks for permissions: id-token: write when role mode has no OIDC endpoint', async () => {
    const env = sims.env('role');
    const r = await runAction(inputsFor('role'), { ...env, ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' });
    expect(r.code).toBe(1);
    expect(r.errors[0]).toMatch(/^Invalid configuration: role-to-assume is set, but this job cannot request a GitHub OIDC token .*`permissions: id-token: write`/);
    expect(sims.oidc.requests).toHaveLength(0);
    expect(sims.sts.requests).toHaveLength(0);
  });

  it('points at the trust policy when STS refuses the web identity (not retried)', async () => {
    const r = await run('role', { 'role-to-assume': 'arn:aws:iam::123456789012:role/unknown-role' });
    expect(r.code).toBe(1);
    expect(sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity')).toHaveLength(1);
    expect(r.errors[0]).toMatch(/STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role\/unknown-role failed: AccessDenied/);
    expect(r.errors[0]).toMatch(/check the role's trust policy.*sub "repo:org\/repo:ref:refs\/heads\/main"/s);
    expectNoLeak(r);
  });
});

describe('every bad input fails before any request, naming the input and the fix', () => {
  it.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
    ['missing audience', { audience: '' }, {}, /^Invalid configuration: input "audience" is required\. Copy the audience Mondoo shows/],
    ['plain-http universe', { 'universe-domain': 'http://us.api.mondoo.com' }, {}, /input "universe-domain" .*plain http/],
    ['universe with a query', { 'universe-domain': 'https://us.api.mondoo.com/?a=b' }, {}, /query string or fragment/],
    ['issuer not a URL', { 'issuer-uri': 'sts' }, {}, /input "issuer-uri" "sts" must be an https:\/\/ URL/],
    ['role name instead of ARN', { 'role-to-assume': 'mondoo-ci' }, {}, /input "role-to-assume" "mondoo-ci" is not an IAM role ARN/],
    ['session name with a space', { 'role-session-name': 'my session' }, {}, /input "role-session-name" "my session" is not a valid session name/],
    ['duration too short', { 'role-duration-seconds': '60' }, {}, /input "role-duration-seconds" "60" must be a whole number from 900 to 43200/],
    ['bad region', { 'aws-region': 'Europe' }, {}, /input "aws-region" "Europe" is not an AWS region/],
    ['bad region from the environment', {}, { AWS_REGION: 'moon-1' }, /environment variable AWS_REGION "moon-1" is not an AWS region/],
    ['export-env not a boolean', { 'export-env': 'maybe' }, {}, /input "export-env" "maybe" must be true or false/],
    ['max-attempts out of range', { 'max-attempts': '100' }, {}, /input "max-attempts" "100" must be a whole number from 1 to 10/],
    ['half the keys', {}, { AWS_SECRET_ACCESS_KEY: '' }, /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty/],
    ['a proxy URL that is not one', {}, { HTTPS_PROXY: 'socks5://proxy:1080' }, /HTTPS_PROXY uses socks5:\/\/, which is not supported/],
  ])('%s', async (_, inputs, env, message) => {
    const r = await run('env-long', inputs, env);
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(sims.mondoo.requests).toHaveLength(0);
    expect(sims.sts.requests).toHaveLength(0);
    expect(r.outputs).toEqual({});
    expect(r.exported).toEqual({});
  });
});

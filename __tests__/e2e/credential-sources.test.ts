/**
 * Every place an AWS identity lives in CI, through the built Action bundle and the CLI file, against the
 * loopback simulators: container credentials (EKS Pod Identity, CodeBuild, ECS), IAM roles for service
 * accounts (ARC on EKS), and shared profiles (static keys, credential_process, role_arn + source_profile,
 * web_identity_token_file). For each: the identity in the outputs, the link named in "AWS credentials: …",
 * every secret read masked, no raw SDK text on stderr, and a clear failure within timeout-seconds when the
 * source is present but broken. Nothing here reaches 169.254.169.254 or any non-loopback address.
 */
import { needTools } from '../../testkit/system-tools.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAssumableRole, startContainerCredentials, startSimulators, type Simulators } from '../../testkit/index.js';
import { leakedSecrets, runAction, runCli, type ActionRun, type ProcessResult } from '../../testkit/runner.js';

const ACCOUNT = '123456789012';
const JENKINS_ARN = `arn:aws:iam::${ACCOUNT}:user/jenkins`;
const HELPER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/build-helper/process-session`;
const IRSA_ROLE = `arn:aws:iam::${ACCOUNT}:role/arc-runner`;
const SCANNER_ROLE = `arn:aws:iam::${ACCOUNT}:role/mondoo-scanner`;
const FROM_INSTANCE_ROLE = `arn:aws:iam::${ACCOUNT}:role/scan-from-instance`;
const FROM_POD_ROLE = `arn:aws:iam::${ACCOUNT}:role/scan-from-pod`;
const FROM_HELPER_ROLE = `arn:aws:iam::${ACCOUNT}:role/scan-from-helper`;
const SA_SUBJECT = 'system:serviceaccount:arc-runners:arc-runner-set';

let sims: Simulators;
let container: Awaited<ReturnType<typeof startContainerCredentials>>;
let dir: string;
let jenkins: { accessKeyId: string; secretAccessKey: string };
let helper: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAt: number };
/** A web identity token for the runner's service account, as EKS projects it into the pod. */
let saToken: string;
let saTokenFile: string;
/** Secrets the simulators do not list themselves (files, container token). */
const extraSecrets: string[] = [];

beforeAll(async () => {
  sims = await startSimulators();
  container = await startContainerCredentials({ sts: sims.sts });
  dir = mkdtempSync(join(tmpdir(), 'mondoo-sources-'));
  jenkins = sims.sts.addLongTermKey({ arn: JENKINS_ARN });
  helper = sims.sts.addSessionKey({ arn: HELPER_ARN });
  sims.sts.addRole({
    roleArn: IRSA_ROLE,
    audience: 'sts.amazonaws.com',
    trustSubPattern: 'system:serviceaccount:arc-runners:*',
  });
  addAssumableRole(sims.sts, { roleArn: SCANNER_ROLE, trustedPrincipal: JENKINS_ARN });
  addAssumableRole(sims.sts, { roleArn: FROM_INSTANCE_ROLE, trustedPrincipal: sims.world.instance.arn });
  addAssumableRole(sims.sts, { roleArn: FROM_POD_ROLE, trustedPrincipal: container.arn });
  addAssumableRole(sims.sts, { roleArn: FROM_HELPER_ROLE, trustedPrincipal: HELPER_ARN });
  for (const subject of [
    JENKINS_ARN,
    `arn:aws:sts::${ACCOUNT}:assumed-role/build-helper/*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/arc-runner/*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/mondoo-scanner/*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/eks-runner-pod/*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/scan-from-instance/*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/scan-from-pod/*`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/scan-from-helper/*`,
  ]) {
    sims.mondoo.addIdentityProvider({
      audience: sims.world.mondoo.audience,
      subject,
      spaceMrn: sims.world.mondoo.audience,
    });
  }
  saToken = sims.oidc.mint({ aud: 'sts.amazonaws.com', sub: SA_SUBJECT, ttlSeconds: 3600 });
  saTokenFile = join(dir, 'sa-token');
  writeFileSync(saTokenFile, saToken);
  // The credential_process helper: prints the documented JSON (Version 1) and nothing else.
  const script = join(dir, 'credential-helper.mjs');
  writeFileSync(
    script,
    `process.stdout.write(JSON.stringify(${JSON.stringify({ Version: 1, AccessKeyId: helper.accessKeyId, SecretAccessKey: helper.secretAccessKey, SessionToken: helper.sessionToken, Expiration: new Date(helper.expiresAt).toISOString() })}));\n`,
  );
  // A helper that never finishes (it waits for a login that never comes); it writes its pid first.
  const sleeper = join(dir, 'sleeping-helper.mjs');
  writeFileSync(
    sleeper,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(dir, 'sleeper.pid'))}, String(process.pid));\nsetTimeout(() => {}, 600000);\n`,
  );
  const failing = join(dir, 'failing-helper.mjs');
  writeFileSync(failing, `process.stderr.write('helper: no session\\n'); process.exit(3);\n`);
  writeFileSync(
    join(dir, 'credentials'),
    `[jenkins]\naws_access_key_id = ${jenkins.accessKeyId}\naws_secret_access_key = ${jenkins.secretAccessKey}\n`,
  );
  writeFileSync(
    join(dir, 'config'),
    [
      '[profile jenkins]',
      'region = us-east-1',
      '[profile helper]',
      `credential_process = "${process.execPath}" "${script}"`,
      '[profile from-instance]',
      `role_arn = ${FROM_INSTANCE_ROLE}`,
      'credential_source = Ec2InstanceMetadata',
      'role_session_name = from-instance',
      '[profile from-pod]',
      `role_arn = ${FROM_POD_ROLE}`,
      'credential_source = EcsContainer',
      'role_session_name = from-pod',
      '[profile chained-instance]',
      `role_arn = ${SCANNER_ROLE}`,
      'source_profile = from-instance',
      '[profile helper-role]',
      `role_arn = ${FROM_HELPER_ROLE}`,
      'source_profile = helper',
      'role_session_name = from-helper',
      '[profile sleeper-role]',
      `role_arn = ${FROM_HELPER_ROLE}`,
      'source_profile = sleeper',
      '[profile sleeper]',
      `credential_process = "${process.execPath}" "${sleeper}"`,
      '[profile clear-endpoint]',
      `role_arn = ${SCANNER_ROLE}`,
      'source_profile = jenkins',
      'endpoint_url = http://sts.example.invalid',
      '[profile clear-services]',
      `role_arn = ${SCANNER_ROLE}`,
      'source_profile = jenkins',
      'services = clear-sts',
      '[services clear-sts]',
      'sts =',
      '  endpoint_url = http://sts.example.invalid',
      '[profile clear-irsa]',
      `role_arn = ${IRSA_ROLE}`,
      `web_identity_token_file = ${saTokenFile}`,
      'endpoint_url = http://sts.example.invalid',
      '[profile broken-helper]',
      `credential_process = "${process.execPath}" "${failing}"`,
      '[profile scanner]',
      `role_arn = ${SCANNER_ROLE}`,
      'source_profile = jenkins',
      'role_session_name = jenkins-scan',
      '[profile denied]',
      `role_arn = arn:aws:iam::${ACCOUNT}:role/not-trusting-jenkins`,
      'source_profile = jenkins',
      '[profile irsa]',
      `role_arn = ${IRSA_ROLE}`,
      `web_identity_token_file = ${saTokenFile}`,
      'role_session_name = profile-irsa',
      '',
    ].join('\n'),
  );
  extraSecrets.push(
    saToken,
    container.token!,
    jenkins.secretAccessKey,
    helper.secretAccessKey,
    helper.sessionToken,
    container.credentials.secretAccessKey,
    container.credentials.sessionToken,
  );
});
afterAll(async () => {
  await container.close();
  await sims.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sims.clearRecords();
  container.requests.length = 0;
  container.script.length = 0;
  container.mode = 'normal';
});

/** The base: no keys, no IMDS, no profile files, STS at the simulator. */
const base = (): Record<string, string> => sims.env('none');
const files = (): Record<string, string> => ({
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
  AWS_CONFIG_FILE: join(dir, 'config'),
});

interface Source {
  name: string;
  env: () => Record<string, string>;
  arn: RegExp;
  /** The "AWS credentials: …" line of the Action (and of the CLI unless `cliLog` says otherwise). */
  log: RegExp;
  cliLog?: RegExp;
  /** Secrets this source reads that must be masked (Action) and never printed. */
  secrets: () => string[];
}

const SOURCES: Source[] = [
  {
    name: 'container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN (CodeBuild, ECS)',
    env: () => ({
      ...base(),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: container.token!,
    }),
    arn: /^arn:aws:sts::123456789012:assumed-role\/eks-runner-pod\/eks-ci-runner-0a1b2c3d$/,
    log: /AWS credentials: container credentials \(AWS_CONTAINER_CREDENTIALS_FULL_URI "http:\/\/127\.0\.0\.1:\d+\/v1\/credentials", authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN\)\n/,
    secrets: () => [container.token!, container.credentials.secretAccessKey, container.credentials.sessionToken],
  },
  {
    name: 'container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (EKS Pod Identity)',
    env: () => {
      const file = join(dir, 'eks-pod-identity-token');
      writeFileSync(file, `${container.token!}\n`);
      return {
        ...base(),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
      };
    },
    arn: /^arn:aws:sts::123456789012:assumed-role\/eks-runner-pod\//,
    log: /AWS credentials: container credentials \(AWS_CONTAINER_CREDENTIALS_FULL_URI "http:\/\/127\.0\.0\.1:\d+\/v1\/credentials", authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE\)\n/,
    secrets: () => [container.token!, container.credentials.secretAccessKey, container.credentials.sessionToken],
  },
  {
    name: 'IAM roles for service accounts: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE without role-to-assume (ARC on EKS)',
    env: () => ({
      ...base(),
      AWS_ROLE_ARN: IRSA_ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: saTokenFile,
      AWS_ROLE_SESSION_NAME: 'arc-runner-42',
    }),
    arn: /^arn:aws:sts::123456789012:assumed-role\/arc-runner\/arc-runner-42$/,
    log: /AWS credentials: the web identity token file \(AWS_ROLE_ARN "arn:aws:iam::123456789012:role\/arc-runner", AWS_WEB_IDENTITY_TOKEN_FILE ".*sa-token"\): AssumeRoleWithWebIdentity by the AWS SDK\n/,
    // The CLI takes AWS_ROLE_ARN as its role (documented in --help) and assumes it itself, with the same token file.
    cliLog:
      /Assuming arn:aws:iam::123456789012:role\/arc-runner with a web identity token from .*sa-token.*\n.*AWS credentials: AssumeRoleWithWebIdentity \(arn:aws:sts::123456789012:assumed-role\/arc-runner\/arc-runner-42\)\n/,
    secrets: () => [saToken],
  },
  {
    name: 'shared profile with static keys: AWS_PROFILE + AWS_SHARED_CREDENTIALS_FILE (Jenkins, GitLab runners)',
    env: () => ({ ...base(), ...files(), AWS_PROFILE: 'jenkins' }),
    arn: /^arn:aws:iam::123456789012:user\/jenkins$/,
    log: /AWS credentials: shared profile "jenkins" from ".*credentials" \/ ".*config" \(static keys\)\n/,
    secrets: () => [jenkins.secretAccessKey],
  },
  {
    name: 'shared profile with credential_process (a helper printing the documented JSON)',
    env: () => ({ ...base(), ...files(), AWS_PROFILE: 'helper' }),
    arn: /^arn:aws:sts::123456789012:assumed-role\/build-helper\/process-session$/,
    log: /AWS credentials: shared profile "helper" from .* \(credential_process\)\n/,
    secrets: () => [helper.secretAccessKey, helper.sessionToken],
  },
  {
    name: 'shared profile with role_arn + source_profile (the SDK signs AssumeRole to STS)',
    env: () => ({ ...base(), ...files(), AWS_PROFILE: 'scanner' }),
    arn: /^arn:aws:sts::123456789012:assumed-role\/mondoo-scanner\/jenkins-scan$/,
    log: /AWS credentials: shared profile "scanner" from .* \(role_arn with source_profile: AssumeRole by the AWS SDK "arn:aws:iam::123456789012:role\/mondoo-scanner" via profile "jenkins"\)\n/,
    secrets: () => [jenkins.secretAccessKey],
  },
  {
    name: 'shared profile with web_identity_token_file',
    env: () => ({ ...base(), ...files(), AWS_PROFILE: 'irsa' }),
    arn: /^arn:aws:sts::123456789012:assumed-role\/arc-runner\/profile-irsa$/,
    log: /AWS credentials: shared profile "irsa" from .* \(web_identity_token_file: AssumeRoleWithWebIdentity by the AWS SDK "arn:aws:iam::123456789012:role\/arc-runner"\)\n/,
    secrets: () => [saToken],
  },
];

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  audience: sims.world.mondoo.audience,
  'universe-domain': sims.mondoo.url,
  'attempt-timeout-seconds': '5',
  ...extra,
});
const cliFlags = (...extra: string[]): string[] => [
  '--audience',
  sims.world.mondoo.audience,
  '--universe-domain',
  sims.mondoo.url,
  ...extra,
];

function visible(r: ActionRun): string {
  return [
    r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    r.stderr,
    r.summary,
  ].join('\n');
}
const allSecrets = (): string[] => [...sims.secrets(), ...extraSecrets];

/** Nothing from the AWS SDK reached stderr raw: the Action writes none, the CLI only its own prefixed lines. */
function expectOwnLinesOnly(stderr: string, prefixed: boolean): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  if (!prefixed) expect(lines).toEqual([]);
  else for (const line of lines) expect(line).toMatch(/^mondoo-aws-auth: /);
  expect(stderr).not.toMatch(/@aws-sdk|@smithy|WARN/);
}

describe.each(SOURCES)('$name', (source) => {
  it('the Action: identity in the outputs, the link named, every secret masked, nothing raw on stderr', async () => {
    const r = await runAction(inputs(), source.env());
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toMatch(source.arn);
    expect(r.outputs['aws-account-id']).toBe(ACCOUNT);
    expect(sims.mondoo.issued).toHaveLength(1);
    expect(sims.mondoo.issued[0]!.identity.arn).toMatch(source.arn);
    expect(r.stdout).toMatch(source.log);
    for (const value of source.secrets()) expect(r.masks).toContain(value);
    expect(leakedSecrets(visible(r), allSecrets())).toEqual([]);
    expectOwnLinesOnly(r.stderr, false);
  });

  it('the CLI: identity in the json output, the link named on stderr, no secret printed', async () => {
    const r = await runCli(cliFlags('--output', 'json'), source.env());
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { aws_arn: string; aws_account_id: string; base64_credential: string };
    expect(out.aws_arn).toMatch(source.arn);
    expect(out.aws_account_id).toBe(ACCOUNT);
    expect(out.base64_credential).toBe(sims.mondoo.issued[0]!.base64Credential);
    expect(r.stderr).toMatch(source.cliLog ?? source.log);
    expect(leakedSecrets(r.stderr, allSecrets())).toEqual([]);
    expectOwnLinesOnly(r.stderr, true);
  });
});

describe('the SDK links talk to the loopback simulators only', () => {
  it("role_arn + source_profile: the AssumeRole the SDK signed with the source profile's keys was verified with aws4", async () => {
    const r = await runAction(inputs(), { ...base(), ...files(), AWS_PROFILE: 'scanner' });
    expect(r.code).toBe(0);
    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]!.result).toEqual({ status: 200 });
    expect(String(assume[0]!.headers.authorization)).toContain(`Credential=${jenkins.accessKeyId}/`);
    expect(new URLSearchParams(assume[0]!.body).get('RoleArn')).toBe(SCANNER_ROLE);
  });

  it("IRSA without role-to-assume: the SDK's AssumeRoleWithWebIdentity honours AWS_ENDPOINT_URL_STS and sends the token file", async () => {
    const r = await runAction(inputs(), SOURCES[2]!.env());
    expect(r.code).toBe(0);
    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity');
    expect(assume).toHaveLength(1);
    expect(new URLSearchParams(assume[0]!.body).get('WebIdentityToken')).toBe(saToken);
    expect(new URLSearchParams(assume[0]!.body).get('RoleArn')).toBe(IRSA_ROLE);
  });

  it('container credentials: one GET with the authorization token, never through the proxy', async () => {
    const r = await runAction(inputs(), {
      ...SOURCES[0]!.env(),
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1',
    });
    expect(r.code).toBe(0);
    expect(container.requests).toHaveLength(1);
    expect(container.requests[0]!.headers.authorization).toBe(container.token);
  });
});

describe('EC2 instance metadata, fetched by the tool', () => {
  it('IMDSv2: the session token is masked, the instance role named, no request leaves loopback', async () => {
    const env = sims.env('imds');
    const r = await runAction(inputs(), env);
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe(sims.world.instance.arn);
    expect(r.stdout).toContain('AWS credentials: EC2 instance metadata (IMDSv2, instance role RunnerRole)\n');
    expect(sims.imds.tokens.length).toBeGreaterThan(0);
    for (const token of sims.imds.tokens) expect(r.masks).toContain(token);
    expect(sims.imds.requests.map((q) => [q.method, q.path, q.status])).toEqual([
      ['PUT', '/latest/api/token', 200],
      ['GET', '/latest/meta-data/iam/security-credentials/', 200],
      ['GET', '/latest/meta-data/iam/security-credentials/RunnerRole', 200],
    ]);
    expectOwnLinesOnly(r.stderr, false);
    const cli = await runCli(cliFlags('--output', 'json'), env);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain('AWS credentials: EC2 instance metadata (IMDSv2, instance role RunnerRole)\n');
  });
});

describe('precedence, stated in the log', () => {
  it("keys in the environment win over container credentials and AWS_ROLE_ARN (the SDK's order), and the log names what was not used", async () => {
    const env = {
      ...sims.env('env-long'),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: container.token!,
      AWS_ROLE_ARN: IRSA_ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: saTokenFile,
    };
    const r = await runAction(inputs(), env);
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe(sims.world.user.arn);
    expect(r.stdout).toContain(
      "AWS credentials: environment variables (long-term access key); also set but not used (lower in the AWS SDK's order): AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI\n",
    );
    expect(container.requests).toHaveLength(0);
    const cli = await runCli(cliFlags('--output', 'json'), env);
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as { aws_arn: string }).aws_arn).toBe(sims.world.user.arn);
    expect(cli.stderr).toContain(
      "also set but not used (lower in the AWS SDK's order): AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI",
    );
  });

  it("AWS_PROFILE wins over keys in the environment (the SDK's order), with a warning", async () => {
    const env = { ...sims.env('env-long'), ...files(), AWS_PROFILE: 'jenkins' };
    const r = await runAction(inputs(), env);
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe(JENKINS_ARN);
    expect(r.warnings).toContain(
      'AWS_PROFILE "jenkins" and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set: using the profile, as the AWS SDK does. Unset one of them to make the choice explicit.',
    );
    expect(r.stdout).toMatch(
      /AWS credentials: shared profile "jenkins" .*\(static keys\); also set but not used \(lower in the AWS SDK's order\): AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY\n/,
    );
    const cli = await runCli(cliFlags('--output', 'json'), env);
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as { aws_arn: string }).aws_arn).toBe(JENKINS_ARN);
    expect(cli.stderr).toContain(
      'mondoo-aws-auth: warning: AWS_PROFILE "jenkins" and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are both set: using the profile',
    );
  });

  it("a profile wins over AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE in the Action (the SDK's order)", async () => {
    const r = await runAction(inputs(), {
      ...base(),
      ...files(),
      AWS_PROFILE: 'jenkins',
      AWS_ROLE_ARN: IRSA_ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: saTokenFile,
    });
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toBe(JENKINS_ARN);
    expect(r.stdout).toMatch(
      /also set but not used \(lower in the AWS SDK's order\): AWS_ROLE_ARN \+ AWS_WEB_IDENTITY_TOKEN_FILE\n/,
    );
    expect(sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity')).toHaveLength(0);
  });

  it('role-to-assume wins over AWS_ROLE_ARN in the Action (as the README says), and the log says AWS_ROLE_ARN was not used', async () => {
    const r = await runAction(inputs({ 'role-to-assume': sims.world.role.roleArn }), {
      ...sims.env('role'),
      AWS_ROLE_ARN: IRSA_ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: saTokenFile,
    });
    expect(r.code).toBe(0);
    expect(r.outputs['aws-arn']).toMatch(/^arn:aws:sts::123456789012:assumed-role\/mondoo-ci\//);
    expect(r.stdout).toContain(`AWS_ROLE_ARN "${IRSA_ROLE}" is set but not used: role-to-assume takes precedence.\n`);
    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRoleWithWebIdentity');
    expect(assume.map((q) => new URLSearchParams(q.body).get('RoleArn'))).toEqual([sims.world.role.roleArn]);
  });
});

/** Runs the source broken both ways and checks both fail, by themselves, with the message. */
async function expectBoundedFailure(
  env: Record<string, string>,
  message: RegExp,
  opts: { inputs?: Record<string, string>; flags?: string[]; cli?: { code: number; message: RegExp } } = {},
): Promise<[ActionRun, ProcessResult]> {
  const a = await runAction(inputs({ 'max-attempts': '1', ...opts.inputs }), env, { timeoutMs: 25_000 });
  expect(a.code).toBe(1); // exited by itself (a kill would leave null)
  expect(a.errors).toHaveLength(1);
  expect(a.errors[0]).toMatch(message);
  expect(a.files.output).toBe('');
  expect(leakedSecrets(visible(a), allSecrets())).toEqual([]);
  expectOwnLinesOnly(a.stderr, false);
  const c = await runCli(cliFlags('--max-attempts', '1', ...(opts.flags ?? [])), env, { timeoutMs: 25_000 });
  expect(c.code).toBe(opts.cli?.code ?? 1);
  expect(c.stdout).toBe('');
  expect(c.stderr).toMatch(opts.cli?.message ?? message);
  expect(leakedSecrets(c.stderr, allSecrets())).toEqual([]);
  expectOwnLinesOnly(c.stderr, true);
  expect(sims.mondoo.requests).toHaveLength(0);
  return [a, c];
}

describe('a source that is present but broken fails with the fix, within timeout-seconds', () => {
  const withToken = (): Record<string, string> => ({
    ...base(),
    AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: container.token!,
  });

  it('container endpoint unreachable (connection refused)', async () => {
    await expectBoundedFailure(
      { ...withToken(), AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/v1/credentials' },
      /Container credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI failed after 1 attempt: .*127\.0\.0\.1:9.* on ECS or EKS check the agent serving it, elsewhere unset AWS_CONTAINER_CREDENTIALS_FULL_URI\./,
    );
  });

  it.each(['hang', 'drip'] as const)(
    'container endpoint that accepts and then %ss: ends at timeout-seconds',
    async (mode) => {
      container.mode = mode;
      const tight = { 'timeout-seconds': '2', 'attempt-timeout-seconds': '1' };
      await expectBoundedFailure(
        withToken(),
        /Container credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI failed after 1 attempt: 127\.0\.0\.1:\d+ did not answer within 1s\. The endpoint is AWS_CONTAINER_CREDENTIALS_FULL_URI; on ECS or EKS check the agent serving it/,
        { inputs: tight, flags: ['--timeout-seconds', '2', '--attempt-timeout-seconds', '1'] },
      );
      expect(container.requests.length).toBeGreaterThanOrEqual(2);
    },
  );

  it('container endpoint that floods: the read stops at the size limit, memory stays bounded', async () => {
    container.mode = 'flood';
    await expectBoundedFailure(
      withToken(),
      /Container credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI failed.*(larger|too large|limit)/im,
    );
    // Two runs, each stopped reading after the client's limit (1 MB) plus what the sockets buffered.
    expect(container.floodBytes).toBeLessThan(2 * 32 * 1024 * 1024);
  });

  it('container authorization token file that does not exist: no request is made', async () => {
    const env = {
      ...base(),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, 'no-such-token'),
    };
    await expectBoundedFailure(
      env,
      /AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ".*no-such-token" cannot be read \(ENOENT\)\. Point it at the file holding the container authorization token/m,
    );
    expect(container.requests).toHaveLength(0);
  });

  it('container authorization token file that is a directory (not a regular file)', async () => {
    const tokenDir = join(dir, 'token-dir');
    mkdirSync(tokenDir, { recursive: true });
    await expectBoundedFailure(
      {
        ...base(),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenDir,
      },
      /AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ".*token-dir" is not a regular file \(a FIFO, device or directory\)\./m,
    );
  });

  it('container authorization token refused (401): names the token variable', async () => {
    await expectBoundedFailure(
      { ...withToken(), AWS_CONTAINER_AUTHORIZATION_TOKEN: 'stale-token-value' },
      /answered HTTP 401: AccessDeniedException The authorization token is invalid or has expired\. The authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN was refused/,
    );
  });

  it('container credentials already expired', async () => {
    container.mode = 'expired';
    await expectBoundedFailure(
      withToken(),
      /answered credentials that expired at \d{4}-\d\d-\d\dT.*The endpoint serves stale credentials/,
    );
  });

  it('container URL that would send the token in clear to another host is refused before any request', async () => {
    await expectBoundedFailure(
      { ...withToken(), AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://192.0.2.10/v1/credentials' },
      /AWS_CONTAINER_CREDENTIALS_FULL_URI "http:\/\/192\.0\.2\.10\/v1\/credentials" uses plain http to 192\.0\.2\.10, which would send the authorization token and the credentials unencrypted\. Use https, a loopback address, 169\.254\.170\.2 \(ECS\)/m,
    );
  });

  it('IRSA token file missing', async () => {
    const env = { ...base(), AWS_ROLE_ARN: IRSA_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'missing-sa-token') };
    // The CLI takes AWS_ROLE_ARN as its role and checks the file before any request (a usage error, exit 2).
    const [a] = await expectBoundedFailure(env, /AWS_WEB_IDENTITY_TOKEN_FILE ".*missing-sa-token" cannot be read/, {
      cli: { code: 2, message: /the web identity token file ".*missing-sa-token" cannot be read \(ENOENT\)/ },
    });
    expect(a.errors[0]).toMatch(/^\[AWS_CREDENTIAL_SOURCE_FAILED\] AWS_WEB_IDENTITY_TOKEN_FILE/);
  });

  it('IRSA role that does not trust the service account (the Action through the SDK)', async () => {
    const other = join(dir, 'other-sa-token');
    const token = sims.oidc.mint({
      aud: 'sts.amazonaws.com',
      sub: 'system:serviceaccount:default:other',
      ttlSeconds: 3600,
    });
    extraSecrets.push(token);
    writeFileSync(other, token);
    const a = await runAction(inputs({ 'max-attempts': '1' }), {
      ...base(),
      AWS_ROLE_ARN: IRSA_ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: other,
    });
    expect(a.code).toBe(1);
    expect(a.errors[0]).toMatch(
      /^\[AWS_CREDENTIAL_SOURCE_FAILED\] AWS credentials from the web identity token file \(AWS_ROLE_ARN "arn:aws:iam::123456789012:role\/arc-runner", .*\) failed: Not authorized to perform sts:AssumeRoleWithWebIdentity\. Check that the role trusts the cluster's OIDC provider and the service account/,
    );
    expect(a.masks).toContain(token);
    expect(leakedSecrets(visible(a), allSecrets())).toEqual([]);
    expectOwnLinesOnly(a.stderr, false);
  });

  it('credential_process that exits non-zero', async () => {
    await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'broken-helper' },
      /AWS credentials from shared profile "broken-helper" failed: .*Fix profile "broken-helper" in the shared config\/credentials files, or unset AWS_PROFILE\./m,
    );
  });

  it('role_arn + source_profile that STS refuses (AccessDenied)', async () => {
    await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'denied' },
      /AWS credentials from shared profile "denied" failed: User: arn:aws:iam::123456789012:user\/jenkins is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/not-trusting-jenkins\. Fix profile "denied"/m,
    );
  });

  // The Action only: the CLI reads AWS_WEB_IDENTITY_TOKEN_FILE with its own role code (issue 9, gap 9).
  needTools(['mkfifo'], 'the FIFO token file test').it(
    'a web identity token file that is a FIFO is refused by the Action, not read (no hang)',
    async () => {
      const fifo = join(dir, 'fifo-token');
      const { execFileSync } = await import('node:child_process');
      execFileSync('mkfifo', [fifo]);
      chmodSync(fifo, 0o600);
      const a = await runAction(
        inputs({ 'max-attempts': '1' }),
        { ...base(), AWS_ROLE_ARN: IRSA_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: fifo },
        { timeoutMs: 25_000 },
      );
      expect(a.code).toBe(1);
      expect(a.errors[0]).toMatch(
        /^\[AWS_CREDENTIAL_SOURCE_FAILED\] AWS_WEB_IDENTITY_TOKEN_FILE ".*fifo-token" is not a regular file \(a FIFO, device or directory\)\./,
      );
    },
  );

  const hangingSts: [string, string, () => Record<string, string>][] = [
    ['AssumeRole', 'role_arn + source_profile', () => ({ ...base(), ...files(), AWS_PROFILE: 'scanner' })],
    ['AssumeRoleWithWebIdentity', 'IRSA without role-to-assume', () => SOURCES[2]!.env()],
  ];
  it.each(hangingSts)(
    'STS that accepts %s and never answers (%s, through the SDK): the Action ends at timeout-seconds by itself',
    async (action, _what, env) => {
      for (let i = 0; i < 5; i++) sims.sts.script.push({ action, hang: true });
      const a = await runAction(
        inputs({ 'max-attempts': '1', 'attempt-timeout-seconds': '1', 'timeout-seconds': '3' }),
        env(),
        {
          timeoutMs: 25_000,
        },
      );
      expect(a.code).toBe(1);
      expect(a.errors).toHaveLength(1);
      expect(a.errors[0]).toMatch(
        /^\[AWS_CREDENTIAL_SOURCE_FAILED\] AWS credentials from .* failed: 127\.0\.0\.1:\d+ did not answer within 1s\. STS could not be reached in time: check that this job can reach the STS endpoint in AWS_ENDPOINT_URL_STS, or raise attempt-timeout-seconds\.$/,
      );
      // The process ended by itself within about a second of the deadline (Node's start included).
      expect(a.ms).toBeLessThan(3000 + 1500);
      expect(sims.sts.requests.filter((q) => q.action === action).length).toBeGreaterThanOrEqual(1);
      expect(sims.mondoo.requests).toHaveLength(0);
      expectOwnLinesOnly(a.stderr, false);
    },
  );

  // Issue 9, gap 5: the chain's last link too. The container simulator stands in for a metadata endpoint that misbehaves.
  it.each(['drip', 'flood'] as const)(
    'EC2 instance metadata that %ss: the IMDS link ends within its time limit and size limit',
    async (mode) => {
      container.mode = mode;
      const { AWS_EC2_METADATA_DISABLED: _off, ...env } = base();
      const [a] = await expectBoundedFailure(
        { ...env, AWS_EC2_METADATA_SERVICE_ENDPOINT: container.url },
        mode === 'drip'
          ? /No AWS credentials found\. .*Last error: EC2 instance metadata: 127\.0\.0\.1:\d+ did not answer within 1s\. EC2 instance metadata \(IMDSv2\) did not answer within 1s\./
          : /No AWS credentials found\. .*Last error: EC2 instance metadata: the answer from 127\.0\.0\.1:\d+ was larger than 1048576 bytes\./,
        {
          inputs: { 'attempt-timeout-seconds': '1', 'timeout-seconds': '3' },
          flags: ['--attempt-timeout-seconds', '1', '--timeout-seconds', '3'],
        },
      );
      expect(a.errors[0]).not.toContain('169.254.169.254');
      expect(container.requests.map((q) => [q.method, q.path])).toEqual([
        ['PUT', '/latest/api/token'],
        ['PUT', '/latest/api/token'],
      ]);
      if (mode === 'flood') expect(container.floodBytes).toBeLessThan(2 * 32 * 1024 * 1024);
    },
  );

  it.each(hangingSts)(
    'STS that accepts %s and never answers, with retries (%s): no SDK retry outlives timeout-seconds, both adapters exit',
    async (action, _what, env) => {
      for (let i = 0; i < 20; i++) sims.sts.script.push({ action, hang: true });
      const a = await runAction(
        inputs({ 'max-attempts': '5', 'attempt-timeout-seconds': '1', 'timeout-seconds': '3' }),
        env(),
        {
          timeoutMs: 25_000,
        },
      );
      const c = await runCli(
        cliFlags('--max-attempts', '5', '--attempt-timeout-seconds', '1', '--timeout-seconds', '3'),
        env(),
        {
          timeoutMs: 25_000,
        },
      );
      for (const run of [a, c]) {
        expect(run.code).toBe(1);
        expect(run.ms).toBeLessThan(3000 + 1500);
      }
      expect(a.errors).toHaveLength(1);
      expect(a.errors[0]).toMatch(/^\[AWS_CREDENTIAL_SOURCE_FAILED\] /);
      // Every attempt began before the deadline: at most one per attempt-timeout-seconds of the 3 s.
      const attempts = sims.sts.requests.filter((q) => q.action === action);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.length).toBeLessThanOrEqual(2 * 4);
      expectOwnLinesOnly(a.stderr, false);
    },
  );

  // Issue 16, item 6: the deadline ends the process, whatever the SDK link is waiting for.
  // Each adapter names the setting its own way (the Action's input, the CLI's flag).
  const sleeperStopped = (setting: string): RegExp =>
    new RegExp(
      `(AWS credentials from shared profile "sleeper" failed: credential_process of profile "sleeper" did not finish before the overall timeout \\(${setting}, 2s\\); it was stopped\\.|shared profile "sleeper" did not answer before the overall timeout \\(${setting}, 2s\\)\\.)`,
    );
  const scannerEnded = (setting: string): RegExp =>
    new RegExp(
      `(AWS credentials from )?shared profile "scanner" (failed: 127\\.0\\.0\\.1:\\d+ did not answer within|did not answer before the overall timeout \\(${setting}, 3s\\))`,
    );
  it('a credential_process that never finishes is killed at timeout-seconds, and both adapters exit', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    const tight = { 'timeout-seconds': '2' };
    const [a, c] = await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'sleeper' },
      sleeperStopped('timeout-seconds'),
      {
        inputs: tight,
        flags: ['--timeout-seconds', '2'],
        cli: { code: 1, message: sleeperStopped('--timeout-seconds') },
      },
    );
    for (const run of [a, c]) expect(run.ms).toBeLessThan(2000 + 1500);
    // Gone, or a zombie waiting for a PID 1 that does not reap (some containers): either way no longer running.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const state = (): string => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0);
      } catch {
        return 'gone';
      }
    };
    expect(['gone', 'Z']).toContain(state());
  });

  it('STS that drips the AssumeRole answer (role_arn + source_profile): ends at timeout-seconds, both adapters exit', async () => {
    for (let i = 0; i < 10; i++) sims.sts.script.push({ action: 'AssumeRole', drip: true });
    const [a, c] = await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'scanner' },
      scannerEnded('timeout-seconds'),
      {
        inputs: { 'timeout-seconds': '3' },
        flags: ['--timeout-seconds', '3'],
        cli: { code: 1, message: scannerEnded('--timeout-seconds') },
      },
    );
    for (const run of [a, c]) expect(run.ms).toBeLessThan(3000 + 1500);
  });
});

// Issue 16, item 5: a secret goes over TLS, or to loopback, whoever chose the endpoint.
describe('an STS endpoint from a profile is held to the same rule as AWS_ENDPOINT_URL_STS', () => {
  it.each([
    ['clear-endpoint', 'endpoint_url of a role_arn + source_profile profile'],
    ['clear-services', 'the sts endpoint_url of a [services] section'],
    ['clear-irsa', 'endpoint_url of a web_identity_token_file profile'],
  ])('profile %s (%s): plain http to a non-loopback host is refused before anything is sent', async (profile) => {
    const env: Record<string, string> = { ...base(), ...files(), AWS_PROFILE: profile };
    delete env['AWS_ENDPOINT_URL_STS'];
    const [a] = await expectBoundedFailure(
      env,
      new RegExp(
        `The STS endpoint the AWS SDK would use for profile "${profile}" \\(endpoint_url, or the sts endpoint_url of its \\[services\\] section, in AWS_CONFIG_FILE ".*config"\\) uses plain http to sts\\.example\\.invalid, which would send the signed AWS SDK request and the credentials STS answers unencrypted\\. Set endpoint_url .* to an https:// URL`,
      ),
    );
    expect(a.errors[0]).toMatch(/^\[AWS_CREDENTIAL_SOURCE_FAILED\] /);
    expect(sims.sts.requests).toHaveLength(0);
  });
});

// Issue 16, item 9: the shared files the SDK reads are small regular files, checked before it reads them.
describe('shared config files: only small regular files, refused fast with the variable and the file', () => {
  const cases: [string, () => string, RegExp][] = [
    ['/dev/zero', () => '/dev/zero', /AWS_CONFIG_FILE "\/dev\/zero" is not a regular file/],
    [
      "a symbolic link to /dev/zero (a checkout's .aws/config)",
      () => {
        const link = join(dir, 'config-link');
        rmSync(link, { force: true });
        symlinkSync('/dev/zero', link);
        return link;
      },
      /AWS_CONFIG_FILE ".*config-link" is not a regular file/,
    ],
    [
      'a 1.5 GB sparse file',
      () => {
        const big = join(dir, 'config-sparse');
        writeFileSync(big, '');
        truncateSync(big, 1536 * 1024 * 1024);
        return big;
      },
      /AWS_CONFIG_FILE ".*config-sparse" is 1610612736 bytes, more than the 1048576 bytes accepted\./,
    ],
  ];
  const refusedFast = async (path: string, message: RegExp) => {
    const [a, c] = await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'jenkins', AWS_CONFIG_FILE: path },
      message,
    );
    for (const run of [a, c]) expect(run.ms).toBeLessThan(5000);
    expect(sims.sts.requests).toHaveLength(0);
  };
  it.each(cases)('%s', async (_what, make, message) => refusedFast(make(), message));
  needTools(['mkfifo'], 'the FIFO config file test').it('a FIFO', async () => {
    const fifo = join(dir, 'config-fifo');
    execFileSync('mkfifo', [fifo]);
    await refusedFast(
      fifo,
      /AWS_CONFIG_FILE ".*config-fifo" is not a regular file \(a FIFO, device or directory\)\. Point it at the file holding the AWS shared profiles/,
    );
  });

  it('the same rule for AWS_SHARED_CREDENTIALS_FILE', async () => {
    await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'jenkins', AWS_SHARED_CREDENTIALS_FILE: '/dev/zero' },
      /AWS_SHARED_CREDENTIALS_FILE "\/dev\/zero" is not a regular file/,
    );
  });
});

// Issue 16, item 6: whatever is still open when the result is out (here a handle a preloaded script holds, as
// an in-flight identity lookup or an SDK timer would) does not keep the job waiting.
describe('each adapter exits within a second of its result', () => {
  it.each(['success', 'failure'] as const)('%s, with a handle still open', async (outcome) => {
    const hold = join(dir, 'hold-open.cjs');
    writeFileSync(hold, 'setInterval(() => {}, 1000);\n');
    const env = outcome === 'success' ? sims.env('env-long') : { ...base(), ...files(), AWS_PROFILE: 'broken-helper' };
    const opts = { nodeArgs: ['--require', hold], timeoutMs: 15_000 };
    const a = await runAction(inputs({ 'max-attempts': '1' }), env, opts);
    const c = await runCli(cliFlags('--max-attempts', '1', '--output', 'json'), env, opts);
    const code = outcome === 'success' ? 0 : 1;
    for (const run of [a, c]) {
      expect(run.code).toBe(code); // exited by itself (the runner's kill would leave null)
      expect(run.ms).toBeLessThan(5000);
    }
    if (outcome === 'success') expect(a.outputs['aws-arn']).toBe(sims.world.user.arn);
    else expect(a.errors).toHaveLength(1);
  });
});

// Issue 16, item 5: credential_source goes through the tool's bounded fetchers, and honours AWS_EC2_METADATA_DISABLED.
describe("role_arn + credential_source: the source from the tool's fetchers, AssumeRole signed by the tool", () => {
  it("Ec2InstanceMetadata: IMDSv2 at the simulator, then AssumeRole signed with the instance role's keys", async () => {
    const env = { ...sims.env('imds'), ...files(), AWS_PROFILE: 'from-instance' };
    const r = await runAction(inputs(), env);
    expect(r.errors).toEqual([]);
    expect(r.outputs['aws-arn']).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/scan-from-instance/from-instance`);
    expect(r.stdout).toMatch(
      /AWS credentials: shared profile "from-instance" from .* \(role_arn with credential_source: AssumeRole by the tool "arn:aws:iam::123456789012:role\/scan-from-instance"\), source credentials from EC2 instance metadata, instance role RunnerRole\n/,
    );
    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]!.result).toEqual({ status: 200 });
    expect(String(assume[0]!.headers.authorization)).toContain(`Credential=${sims.world.instance.accessKeyId}/`);
    expect(sims.imds.requests.map((q) => q.path)).toContain('/latest/api/token');
    expect(r.masks).toContain(sims.imds.tokens.at(-1)); // the session token this run was given
    expect(leakedSecrets(visible(r), allSecrets())).toEqual([]);
    expectOwnLinesOnly(r.stderr, false);
  });

  it.each(['from-instance', 'chained-instance'])(
    'profile %s with AWS_EC2_METADATA_DISABLED: refused before anything is asked',
    async (profile) => {
      const env = { ...base(), ...files(), AWS_PROFILE: profile, AWS_EC2_METADATA_SERVICE_ENDPOINT: sims.imds.url };
      await expectBoundedFailure(
        env,
        /Profile "from-instance" has credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is set, so instance metadata is not asked\. Unset AWS_EC2_METADATA_DISABLED/,
      );
      expect(sims.imds.requests).toHaveLength(0);
      expect(sims.sts.requests).toHaveLength(0);
    },
  );

  it("EcsContainer: the container endpoint, then AssumeRole signed with the pod's keys", async () => {
    const env = {
      ...base(),
      ...files(),
      AWS_PROFILE: 'from-pod',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: container.token!,
    };
    const r = await runCli(cliFlags('--output', 'json'), env);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { aws_arn: string }).aws_arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/scan-from-pod/from-pod`,
    );
    expect(container.requests).toHaveLength(1);
    expect(leakedSecrets(r.stderr, allSecrets())).toEqual([]);
  });

  it('EcsContainer whose endpoint drips: ends at timeout-seconds, both adapters exit', async () => {
    container.mode = 'drip';
    const env = {
      ...base(),
      ...files(),
      AWS_PROFILE: 'from-pod',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: container.fullUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: container.token!,
    };
    const [a, c] = await expectBoundedFailure(
      env,
      // Whichever of the two limits (the attempt's, the chain's) is met first: both are the deadline here.
      /(shared profile "from-pod" did not answer before the overall timeout|Container credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI failed after 1 attempt: 127\.0\.0\.1:\d+ did not answer within)/,
      {
        inputs: { 'timeout-seconds': '2' },
        flags: ['--timeout-seconds', '2'],
      },
    );
    for (const run of [a, c]) expect(run.ms).toBeLessThan(2000 + 1500);
    expect(sims.sts.requests).toHaveLength(0);
  });
});

// Issue 16, item 6: a credential_process at the start of a role chain is the tool's too (killed at the deadline).
describe('role_arn + source_profile down to a credential_process', () => {
  it('the helper run by the tool, the role assumed with its session', async () => {
    const r = await runAction(inputs(), { ...base(), ...files(), AWS_PROFILE: 'helper-role' });
    expect(r.errors).toEqual([]);
    expect(r.outputs['aws-arn']).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/scan-from-helper/from-helper`);
    expect(r.stdout).toMatch(/source credentials from credential_process of profile "helper"\n/);
    const assume = sims.sts.requests.filter((q) => q.action === 'AssumeRole');
    expect(assume).toHaveLength(1);
    expect(String(assume[0]!.headers.authorization)).toContain(`Credential=${helper.accessKeyId}/`);
    for (const value of [helper.secretAccessKey, helper.sessionToken]) expect(r.masks).toContain(value);
    expect(leakedSecrets(visible(r), allSecrets())).toEqual([]);
  });

  it('a helper that never finishes is killed at timeout-seconds, both adapters exit', async () => {
    const [a, c] = await expectBoundedFailure(
      { ...base(), ...files(), AWS_PROFILE: 'sleeper-role' },
      /(credential_process of profile "sleeper" did not finish before the overall timeout|shared profile "sleeper-role" did not answer before the overall timeout)/,
      { inputs: { 'timeout-seconds': '2' }, flags: ['--timeout-seconds', '2'] },
    );
    for (const run of [a, c]) expect(run.ms).toBeLessThan(2000 + 1500);
    expect(sims.sts.requests).toHaveLength(0);
  });
});

// `npm run demo`: the real bundles (dist/index.js and dist/cli.cjs) against the bundled loopback simulators,
// with a walk-through of each step. Offline: nothing leaves this machine. Secrets are shown masked, as the
// GitHub runner shows them.
import { startSimulators } from '../testkit/index.js';
import { runAction, runCli } from '../testkit/runner.js';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const step = (n, title) => console.log(`\n${bold(`${n}. ${title}`)}`);
const say = (text) => console.log(`   ${text}`);

/** Replaces every registered secret, as the runner's masker does. */
function masker(secrets) {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((out, s) => out.split(s).join('***'), text);
}

/** What the runner would show of the step's log: workflow commands consumed, masks applied. */
function showLog(run, mask) {
  for (const line of run.stdout.split('\n')) {
    if (line === '' || line.startsWith('::add-mask::') || line.startsWith('::debug::')) continue;
    say(
      dim(
        `│ ${mask(line.replace(/^::(error|warning)::/, (_, kind) => `${kind.toUpperCase()}: `).replace(/%0A/g, '\n   │ '))}`,
      ),
    );
  }
}

function showWire(sims, mask) {
  const request = sims.mondoo.requests.at(-1);
  const serialized = JSON.parse(request.jwtToken);
  say(`Mondoo received POST ${request.path} (Content-Type: ${request.contentType}) with jwt_token =`);
  say(dim(`  url: ${serialized.url}   method: ${serialized.method}`));
  for (const h of serialized.headers)
    say(dim(`  ${h.key}: ${mask(h.value).replace(/Signature=[0-9a-f]{64}/, 'Signature=***')}`));
  say(
    `It replayed that request against STS with the fixed body (signature checked with the independent aws4 library): ${request.identity?.arn ?? 'rejected'}`,
  );
}

const sims = await startSimulators();
/** Steps whose outcome was not the expected one; the demo exits 1 if there are any. */
const failures = [];
const expectCode = (what, code, expected) => {
  if (code !== expected) failures.push(`${what} exited ${code}, expected ${expected}`);
};
try {
  const { world } = sims;
  console.log(bold('mondoo-aws-auth demo — keyless AWS → Mondoo authentication, offline'));
  step(1, 'Loopback simulators');
  say(
    `STS          ${sims.sts.url}   (AssumeRoleWithWebIdentity, GetCallerIdentity, GetWebIdentityToken; SigV4 verified with aws4)`,
  );
  say(`Mondoo       ${sims.mondoo.url}   (SecureTokenService/ExchangeExternalToken)`);
  say(`GitHub OIDC  ${sims.oidc.url}   (the runner's ID token endpoint)`);
  say(`Identity provider in Mondoo: audience ${world.mondoo.audience}`);
  for (const subject of world.mondoo.subjects) say(dim(`  subject ${subject}`));

  const inputs = { audience: world.mondoo.audience, 'universe-domain': sims.mondoo.url };

  step(2, 'GitHub Action, AWS keys already in the environment (after aws-actions/configure-aws-credentials)');
  say(dim('uses: mondoohq/mondoo-aws-auth@v1  with: audience, universe-domain'));
  let run = await runAction(inputs, sims.env('env-session'));
  let mask = masker(run.masks);
  showLog(run, mask);
  showWire(sims, mask);
  expectCode('step 2', run.code, 0);
  say(`exit code ${run.code}; ${run.masks.length} values registered with the masker before use`);
  say(`outputs: aws-arn=${run.outputs['aws-arn']}`);
  say(`         service-account-mrn=${run.outputs['service-account-mrn']}`);
  say(
    `         base64-credential=${mask(run.outputs['base64-credential'] ?? '')}   MONDOO_CONFIG_BASE64 exported: ${'MONDOO_CONFIG_BASE64' in run.exported}`,
  );

  step(3, 'GitHub Action, role mode: GitHub OIDC token → AssumeRoleWithWebIdentity → sign → exchange');
  say(dim(`with: role-to-assume: ${world.role.roleArn}   (permissions: id-token: write)`));
  run = await runAction({ ...inputs, 'role-to-assume': world.role.roleArn }, sims.env('role'));
  mask = masker(run.masks);
  showLog(run, mask);
  expectCode('step 3', run.code, 0);
  say(`exit code ${run.code}; aws-arn=${run.outputs['aws-arn']}`);

  step(4, 'GitHub Action on a self-hosted EC2 runner: instance profile through IMDSv2');
  run = await runAction(inputs, sims.env('imds'));
  mask = masker(run.masks);
  showLog(run, mask);
  expectCode('step 4', run.code, 0);
  say(`exit code ${run.code}; aws-arn=${run.outputs['aws-arn']}`);

  step(5, 'An identity Mondoo does not know: the error says what to fix');
  const stranger = sims.sts.addSessionKey({
    arn: `arn:aws:sts::${world.accountId}:assumed-role/deploy-role/run-17`,
    expiresAt: Date.now() + 3_600_000,
  });
  run = await runAction(inputs, {
    ...sims.env('env-session'),
    AWS_ACCESS_KEY_ID: stranger.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stranger.secretAccessKey,
    AWS_SESSION_TOKEN: stranger.sessionToken,
  });
  showLog(run, masker(run.masks));
  expectCode('step 5', run.code, 1);
  say(
    `exit code ${run.code}; no output and no MONDOO_CONFIG_BASE64 written: ${Object.keys(run.outputs).length === 0 && Object.keys(run.exported).length === 0}`,
  );

  step(6, 'Audience-bound proof (proof: aws-jwt): STS GetWebIdentityToken → a JWT only Mondoo accepts');
  say(dim(`with: role-to-assume: ${world.role.roleArn}   proof: aws-jwt   aws-jwt-algorithm: ES384`));
  say(dim(`Mondoo custom OIDC identity provider: issuer ${world.mondoo.jwtIssuer}, subject ${world.role.roleArn}`));
  run = await runAction(
    { ...inputs, 'role-to-assume': world.role.roleArn, proof: 'aws-jwt', 'aws-jwt-algorithm': 'ES384' },
    sims.env('role'),
  );
  mask = masker(run.masks);
  showLog(run, mask);
  expectCode('step 6', run.code, 0);
  const jwtRequest = sims.mondoo.requests.at(-1);
  const jwt = jwtRequest ? JSON.parse(jwtRequest.rawBody) : {};
  const [header = '', payload = ''] = String(jwt.jwt_token ?? '').split('.');
  const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const claims = payload ? decode(payload) : {};
  say(
    `Mondoo received {audience, issuer_uri: ${jwt.issuer_uri}, jwt_token: *** (${header ? decode(header).alg : '?'})}`,
  );
  say(dim(`  claims: iss ${claims.iss}  sub ${claims.sub}  aud ${claims.aud}  exp in ${claims.exp - claims.iat} s`));
  say(
    `It verified the signature by discovery (${sims.sts.discoveryRequests.join(', ')}) with the independent jose library: ${jwtRequest?.identity?.arn ?? 'rejected'}`,
  );
  say(`exit code ${run.code}; aws-arn=${run.outputs['aws-arn']} (the role's ARN: the token's subject)`);

  step(7, 'CLI in any other CI (GitLab, CircleCI, Jenkins, …): eval "$(mondoo-aws-auth …)"');
  const cli = await runCli(
    ['--audience', world.mondoo.audience, '--universe-domain', sims.mondoo.url, '--output', 'json'],
    sims.env('env-long'),
  );
  for (const line of cli.stderr.trim().split('\n')) say(dim(`│ ${line}`));
  expectCode('step 7', cli.code, 0);
  const json = JSON.parse(cli.stdout);
  say(
    `exit code ${cli.code}; stdout (json): aws_arn=${json.aws_arn}, scope_mrn=${json.scope_mrn}, base64_credential=<${json.base64_credential.length} characters>`,
  );
  say('Nothing secret went to stderr; no ::add-mask:: outside GitHub Actions.');

  console.log(`\n${bold('Done.')} Every request went to loopback simulators; run the tests with: npm test`);
  process.exitCode = failures.length === 0 ? 0 : 1;
  if (failures.length > 0) console.error(`The demo did not go as expected: ${failures.join('; ')}`);
} finally {
  await sims.close();
}

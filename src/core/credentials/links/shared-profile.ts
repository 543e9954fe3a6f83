/**
 * Link 2: the shared config and credentials files, profile AWS_PROFILE or "default": static keys,
 * credential_process, role_arn + source_profile, role_arn + credential_source, web_identity_token_file, SSO.
 * The SDK's fromIni and fromProcess links, in its order; what they would run or fetch without a bound is done by
 * the tool (profile-roles.ts, credential-process.ts).
 */
import { parseProcessOutput, runCredentialProcess } from '../credential-process.js';
import type { AwsCredentials } from '../../proof/signing.js';
import { errorMessage, quoteForLog, truncate } from '../../safety/errors.js';
import {
  adopt,
  passesOn,
  withUnused,
  type ChainLink,
  type LinkContext,
  type LinkMiss,
  type SdkCredentials,
} from './chain-link.js';
import type { ResolvedCredentials } from '../env-credentials.js';
import {
  assumeProfileRole,
  credentialSourceOf,
  describeProfile,
  fromCredentialSource,
  processCommand,
  processRoleChain,
  refuseDisabledImdsSource,
} from './profile-roles.js';

/** What the SDK's $source feature says about how a profile gave its credentials. */
const PROFILE_FEATURES: [string, string][] = [
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'role_arn with source_profile: AssumeRole by the AWS SDK'],
  ['CREDENTIALS_PROFILE_NAMED_PROVIDER', 'role_arn with credential_source: AssumeRole by the AWS SDK'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'web_identity_token_file: AssumeRoleWithWebIdentity by the AWS SDK'],
  ['CREDENTIALS_PROFILE_PROCESS', 'credential_process'],
  ['CREDENTIALS_PROFILE_SSO', 'IAM Identity Center (SSO)'],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', 'IAM Identity Center (SSO)'],
  ['CREDENTIALS_PROFILE_LOGIN', 'console login'],
  ['CREDENTIALS_PROCESS', 'credential_process'],
  ['CREDENTIALS_PROFILE', 'static keys'],
];

/** How a profile's credentials were obtained, from the SDK's attribution; the first (outermost) feature that says. */
export function profileKind(creds: { $source?: Record<string, string> }): string {
  const features = creds.$source ?? {};
  for (const [feature, kind] of PROFILE_FEATURES) if (feature in features) return kind;
  return 'shared profile';
}

export const sharedProfileLink: ChainLink = {
  id: 'profile',
  short: 'shared profile',
  name: 'shared profile',
  where: (aws) =>
    `the shared config and credentials files (profile "${aws.profile}"; SSO, credential_process and role profiles included)`,
  sdk: true,
  // The SDK's fromIni always runs: a profile that is not there passes on.
  applies: () => true,
  resolve: fromProfile,
};

async function fromProfile(ctx: LinkContext): Promise<ResolvedCredentials | LinkMiss> {
  const { aws, deps, totalMs } = ctx;
  const { clock } = deps;
  const { sdk, logger, clientConfig, roleAssumerWithWebIdentity, profile, profiles, profileSettings, run, failed } =
    ctx.session!;
  const what = `shared profile ${quoteForLog(profile, 64)}`;
  const fix = `Fix profile ${quoteForLog(profile, 64)} in the shared config/credentials files${ctx.session!.explicitProfile ? ', or unset AWS_PROFILE' : ''}.`;
  // role_arn + credential_source: the source fetched by the tool's bounded fetchers, the role assumed by the tool.
  if (credentialSourceOf(profileSettings) !== undefined) {
    try {
      return await run(what, () => fromCredentialSource(profile, profileSettings!, deps));
    } catch (err) {
      throw failed(what, err, fix);
    }
  }
  refuseDisabledImdsSource(profile, profiles, aws);
  // role_arn + source_profile down to a credential_process: the helper run (and killed) by the tool, the roles assumed by it.
  const processChain = processRoleChain(profile, profiles);
  if (processChain !== undefined) {
    try {
      return await run(what, async () => {
        const stdout = await runCredentialProcess({
          command: processChain.command,
          profile: processChain.helperProfile,
          limitMs: deps.deadline - clock.now(),
          totalMs,
          env: aws.childEnv,
        });
        let creds: AwsCredentials = parseProcessOutput(stdout, processChain.helperProfile, clock.now());
        deps.secret(creds.secretAccessKey);
        if (creds.sessionToken) deps.secret(creds.sessionToken);
        for (const role of [...processChain.roles].reverse())
          creds = await assumeProfileRole(role, profiles![role]!, creds, deps);
        return adopt(
          creds as SdkCredentials,
          withUnused(
            `${describeProfile(aws, profile, 'role_arn with source_profile: AssumeRole by the tool', profileSettings)}, source credentials from credential_process of profile ${quoteForLog(processChain.helperProfile, 64)}`,
            aws,
            'profile',
          ),
          deps,
        );
      });
    } catch (err) {
      throw failed(what, err, fix);
    }
  }
  // A profile whose credentials come from credential_process (the SDK's precedence: not a role, no static keys,
  // no web identity): the tool runs the helper, killed at the deadline (credential-process.ts).
  const helper = processCommand(profileSettings);
  // The process link runs the profile's credential_process too, whenever it has one: never the SDK's exec.
  const command = helper ?? (profileSettings?.['credential_process']?.trim() || undefined);
  // Its refusals become plain errors, so the failure names the profile and its fix as an SDK link's does.
  const ownProcess = async (): Promise<SdkCredentials> => {
    try {
      const stdout = await runCredentialProcess({
        command: command!,
        profile,
        limitMs: deps.deadline - clock.now(),
        totalMs,
        env: aws.childEnv,
      });
      return parseProcessOutput(stdout, profile, clock.now());
    } catch (err) {
      throw new Error(errorMessage(err), { cause: err });
    }
  };
  const miss: LinkMiss = { missed: true };
  for (const [link, provider] of [
    [
      'profile',
      helper !== undefined
        ? ownProcess
        : () => sdk.fromIni({ profile, logger, clientConfig, ignoreCache: true, roleAssumerWithWebIdentity })(),
    ],
    ['process', command !== undefined ? ownProcess : () => sdk.fromProcess({ profile, logger })()],
  ] as const) {
    if (link === 'process' && helper !== undefined) break; // the profile link ran it already
    try {
      const creds = (await run(what, provider)) as SdkCredentials;
      const kind = link === 'process' || helper !== undefined ? 'credential_process' : profileKind(creds);
      return adopt(creds, withUnused(describeProfile(aws, profile, kind, profileSettings), aws, 'profile'), deps);
    } catch (err) {
      if (!passesOn(err)) throw failed(what, err, fix);
      if (link === 'profile') miss.tried = `${what}: ${truncate(errorMessage(err), 160)}`;
      // The profile exists but could not give credentials: if no later link answers, that is the error to fix.
      if (link === 'profile' && profileSettings !== undefined) miss.failure = failed(what, err, fix);
    }
  }
  return miss;
}

/** Link 3: a web identity token file from the environment (IRSA on EKS, e.g. Actions Runner Controller), by the SDK's fromTokenFile. */
import { adopt, passesOn, withUnused, type ChainLink, type SdkCredentials } from './chain-link.js';
import { quoteForLog } from '../../safety/errors.js';
import { maskTokenFile } from './sdk-session.js';

export const webIdentityFileLink: ChainLink = {
  id: 'token-file',
  short: 'web identity token file',
  name: 'web identity token file',
  where: () => 'a web identity token file (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)',
  sdk: true,
  // Both are needed; with only one set the link says so in the debug log and passes on.
  applies: ({ aws }) => aws.roleArn !== undefined || aws.webIdentityTokenFile !== undefined,
  async resolve({ aws, deps, session }) {
    const { roleArn, webIdentityTokenFile: tokenFile } = aws;
    if (roleArn === undefined || tokenFile === undefined) {
      deps.log.debug(
        `Only one of AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE is set; the web identity token file link does not apply`,
      );
      return { missed: true };
    }
    const { sdk, logger, clientConfig, run, failed } = session!;
    const what = `the web identity token file (AWS_ROLE_ARN ${quoteForLog(roleArn, 120)}, AWS_WEB_IDENTITY_TOKEN_FILE ${quoteForLog(tokenFile, 160)})`;
    try {
      maskTokenFile(tokenFile, 'AWS_WEB_IDENTITY_TOKEN_FILE', deps);
      const creds = (await run(what, () => sdk.fromTokenFile({ logger, clientConfig })())) as SdkCredentials;
      return adopt(creds, withUnused(`${what}: AssumeRoleWithWebIdentity by the AWS SDK`, aws, 'token-file'), deps);
    } catch (err) {
      if (passesOn(err)) return { missed: true };
      throw failed(
        what,
        err,
        "Check that the role trusts the cluster's OIDC provider and the service account (IRSA), that the token file is the one EKS mounts, and that AWS_ROLE_ARN is the role to use.",
      );
    }
  },
};

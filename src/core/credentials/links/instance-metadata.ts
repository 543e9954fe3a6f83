/**
 * Link 5: EC2 instance metadata (IMDSv2), fetched by the tool (instance-metadata.ts), unless
 * AWS_EC2_METADATA_DISABLED. Last in the chain: its failure is not thrown but told in the final message.
 */
import { fetchInstanceCredentials, imdsSettings } from '../instance-metadata.js';
import { errorMessage, truncate } from '../../safety/errors.js';
import { createHttpClient, formatMs } from '../../network/http.js';
import type { AwsEnvironment } from '../aws-environment.js';
import { handOn, withUnused, type ChainLink } from './chain-link.js';

export const instanceMetadataLink: ChainLink = {
  id: 'imds',
  short: 'EC2 instance metadata',
  name: 'EC2 instance metadata (IMDSv2)',
  where: (aws) => `EC2 instance metadata (IMDSv2)${aws.imdsDisabled ? ' (disabled by AWS_EC2_METADATA_DISABLED)' : ''}`,
  // Its settings may come from the profile the SDK read (ec2_metadata_service_endpoint, …).
  sdk: true,
  applies: ({ aws }) => !aws.imdsDisabled,
  async resolve({ aws, deps, session }) {
    const { clock } = deps;
    const imdsTimeoutMs = Math.max(1, Math.min(deps.attemptTimeoutMs, 2000, deps.deadline - clock.now()));
    const started = clock.now();
    const settings = imdsSettings(aws, session!.profileSettings);
    const http = deps.directHttp ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
    try {
      // One attempt, each request within the IMDS time limit, as the SDK's (maxRetries 0): a machine that is not on
      // EC2 fails within seconds.
      const creds = await session!.run('EC2 instance metadata (IMDSv2)', () =>
        fetchInstanceCredentials(http, settings, deps.secret, imdsTimeoutMs, () => clock.now()),
      );
      return handOn(
        creds,
        withUnused(`EC2 instance metadata (IMDSv2, instance role ${creds.roleName})`, aws, 'imds'),
        deps,
      );
    } catch (err) {
      return {
        missed: true,
        tried: `EC2 instance metadata: ${truncate(errorMessage(err), 160)}`,
        hint: imdsHint(aws, true, clock.now() - started, imdsTimeoutMs),
      };
    }
  },
};

/**
 * What the chain's last link, EC2 instance metadata, says about a failure: the SDK's own error is only
 * "Could not load credentials from any providers". `tried` is whether the chain reached IMDS; a failure
 * that took the whole IMDS timeout means it did not answer.
 */
export function imdsHint(aws: AwsEnvironment, tried: boolean, elapsedMs: number, imdsTimeoutMs: number): string {
  if (!tried || aws.imdsDisabled) return '';
  const hopLimit =
    'On a self-hosted runner in a container, IMDSv2 answers only if the instance metadata hop limit is at least 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2).';
  if (elapsedMs >= imdsTimeoutMs) {
    return ` EC2 instance metadata (IMDSv2) did not answer within ${formatMs(imdsTimeoutMs)}. ${hopLimit} Not on EC2: set AWS_EC2_METADATA_DISABLED=true and provide credentials another way.`;
  }
  return ` EC2 instance metadata (IMDSv2) gave no credentials: not on EC2, or the instance has no instance profile (IAM role). ${hopLimit}`;
}

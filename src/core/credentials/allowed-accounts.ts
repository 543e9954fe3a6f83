/**
 * allowed-account-ids: the run presents only credentials of a listed AWS account. The account is learned
 * before the proof is sent (authenticate.ts); this module judges what was learned.
 */
import { AuthError } from '../safety/errors.js';
import type { LearnedIdentity } from '../credential-source.js';
import { accountIdFromArn, type CallerIdentity } from '../sts/caller-identity.js';

/**
 * The identity when its account is listed; otherwise an AuthError naming the account and the list (or, when
 * the account could not be learned, why). Nothing has been sent to Mondoo when it throws.
 */
export function requireAllowedAccount(learned: LearnedIdentity, allowed: readonly string[]): CallerIdentity {
  const list = allowed.join(', ');
  const { identity } = learned;
  // The account STS names must be the one in the ARN it names (an answer that disagrees with itself says nothing).
  if (identity === undefined || accountIdFromArn(identity.arn) !== identity.accountId) {
    const why = learned.failure !== undefined ? `: ${learned.failure.replace(/\.$/, '')}` : '';
    throw new AuthError(
      `allowed-account-ids is set (${list}), but the AWS account of the credentials could not be learned from STS GetCallerIdentity${why}. Nothing was sent to Mondoo. Check that this job can reach STS (aws-region, AWS_ENDPOINT_URL_STS), or unset allowed-account-ids.`,
      { code: 'STS_FAILED' },
    );
  }
  if (!allowed.includes(identity.accountId)) {
    throw new AuthError(
      `The AWS credentials (${identity.arn}) belong to account ${identity.accountId}, which allowed-account-ids (${list}) does not list. Nothing was sent to Mondoo. Use credentials of an allowed account, or add ${identity.accountId} to allowed-account-ids if it is meant to authenticate.`,
      { code: 'AWS_ACCOUNT_NOT_ALLOWED' },
    );
  }
  return identity;
}

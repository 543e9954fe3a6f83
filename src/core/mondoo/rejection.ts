import type { Config } from '../config/config.js';
import type { LearnedIdentity } from '../credential-source.js';
import { AuthError } from '../safety/errors.js';
import { explainStsRefusal } from '../sts/sts.js';
import { subjectPatternFor } from '../sts/caller-identity.js';

/** Mondoo answered 401/403 to the exchange: it did not accept the AWS identity presented. */
export function isIdentityRejection(err: unknown): err is AuthError {
  return err instanceof AuthError && err.code === 'MONDOO_REJECTED_IDENTITY';
}

/**
 * A rejection explained: when STS refused the credentials themselves (expired, unknown, wrong secret, clock),
 * that is the fix and the code; otherwise the ARN presented and the subject that would match it.
 */
export function explainRejection(err: AuthError, learned: LearnedIdentity, config: Config): AuthError {
  const { identity, failure } = learned;
  const lines = [`Mondoo rejected the AWS identity for audience "${config.audience}". ${err.message}`];
  const sts =
    explainStsRefusal(err.message) ??
    (identity === undefined && failure !== undefined ? explainStsRefusal(failure) : undefined);
  if (sts !== undefined) {
    if (identity !== undefined) lines.push(`AWS identity presented: ${identity.arn}`);
    lines.push(sts.fix);
  } else if (identity !== undefined) {
    lines.push(`AWS identity presented: ${identity.arn}`);
    lines.push(
      `To allow it, set the Mondoo identity provider's subject to: ${subjectPatternFor(identity.arn)} (issuer ${config.issuerUri}), and check the audience matches.`,
    );
  } else {
    lines.push(`The AWS identity presented could not be determined${failure ? ` (STS said: ${failure})` : ''}.`);
    lines.push(
      'Check the identity provider in Mondoo: its subject must match the caller ARN (for an assumed role: arn:aws:sts::<account>:assumed-role/<RoleName>/*).',
    );
  }
  return new AuthError(lines.join('\n'), { code: sts?.code ?? 'MONDOO_REJECTED_IDENTITY', cause: err });
}

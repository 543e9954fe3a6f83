/** What an AWS caller ARN means for a Mondoo identity provider's subject. */
export interface CallerIdentity {
  arn: string;
  accountId: string;
}

const ARN = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/;

export function accountIdFromArn(arn: string): string | undefined {
  return ARN.exec(arn)?.[3];
}

/**
 * The subject pattern that would match `arn` in a Mondoo identity provider. Assumed-role session names
 * change every run, so an assumed role gets the `/*` wildcard.
 */
export function subjectPatternFor(arn: string): string {
  const m = ARN.exec(arn);
  if (m === null) return arn;
  const [, partition, service, account, resource] = m as unknown as [string, string, string, string, string];
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const role = resource.split('/')[1] ?? '';
    return `arn:${partition}:sts::${account}:assumed-role/${role}/*`;
  }
  return arn;
}

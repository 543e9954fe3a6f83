/**
 * The CI systems the tool knows, as a list: which one runs this job (the one detection the tool has), the
 * session name it gives an assumed role, and the fix of "No AWS credentials found" in its own terms
 * (docs/ci-systems.md). One file per system; its token source, if it has one, is in ci-token-sources.ts.
 *
 * The order is detection's, kept from before the list (GitLab first, GitHub Actions last), and it is not the token
 * sources' order: a job whose environment has the variables of two systems is named after the first here
 * (__tests__/unit/ci-tokens/ci-token-sources.test.ts, "mixed environments").
 */
import type { CiSystemInfo, CiVariables } from './ci-system.js';
import { gitLab } from './gitlab.js';
import { circleCi } from './circleci.js';
import { buildkite } from './buildkite.js';
import { bitbucket } from './bitbucket.js';
import { jenkins } from './jenkins.js';
import { gitHub } from './github.js';

export type { CiSystem } from './ci-system.js';

export const CI_SYSTEMS: readonly CiSystemInfo[] = [gitLab, circleCi, buildkite, bitbucket, jenkins, gitHub];

/** The fix outside any CI system the tool knows (a plain shell). */
const SHELL_FIX =
  'Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary keys), or AWS_PROFILE naming a profile in ~/.aws/config, or pass role-to-assume ARN with --web-identity-token-file PATH (an OIDC token from your CI system), or run on a machine with an instance or container role.';

const SESSION_CHARS = /[^\w+=,.@-]+/g;

/** Makes any text a valid role session name: 2–64 characters of [\w+=,.@-]. */
export function sanitizeSessionName(text: string): string {
  const cleaned = text
    .replace(SESSION_CHARS, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return cleaned.length >= 2 ? cleaned : 'mondoo-aws-auth';
}

/**
 * Which CI system runs this job, from the variables each one sets: the first of CI_SYSTEMS that detects it;
 * undefined is a plain shell (or one the tool does not know).
 */
export function detectCi(v: CiVariables): CiSystemInfo | undefined {
  return CI_SYSTEMS.find((ci) => ci.detect(v));
}

/** A session name that says which CI job (of `ci`, as detectCi found it) assumed the role, so CloudTrail shows it. */
export function deriveSessionName(ci: CiSystemInfo | undefined, v: CiVariables): string {
  if (ci === undefined) return 'mondoo-aws-auth';
  return sanitizeSessionName(
    ci
      .sessionParts(v)
      .filter((p) => p !== '')
      .join('-'),
  );
}

/**
 * How to give this job AWS credentials, in its CI system's own terms (docs/ci-systems.md): the fix of the
 * "no AWS credentials" error. Setting names are the Action's (role-to-assume); the CLI shows its flags.
 */
export function credentialsFixFor(ci: CiSystemInfo | undefined): string {
  return ci?.credentialsFix ?? SHELL_FIX;
}

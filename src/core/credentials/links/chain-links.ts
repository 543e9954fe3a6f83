/**
 * The AWS SDK's default credential chain as a list, one file per link, in the SDK's order
 * (@aws-sdk/credential-provider-node's defaultProvider; its SSO link only runs with SSO options passed in code,
 * never from the environment, so it is left out), and the one loop that runs it. The tool runs it link by link
 * so it knows (and logs) which link answered, masks every secret a link reads, routes the SDK's warnings through
 * the tool's logger, and holds the whole chain to the run's deadline.
 *
 * Like the SDK, a link that does not apply passes to the next; a link that applies and fails ends the chain with
 * its error. --help (cli.ts), the "No AWS credentials found" message and docs/aws-credential-sources.md's table
 * (checked by __tests__/unit/credentials/chain-links.test.ts) follow this list.
 */
import { readCiEnvironment } from '../../ci-tokens/ci-environment.js';
import type { ResolvedCredentials } from '../env-credentials.js';
import { AuthError } from '../../safety/errors.js';
import { isMiss, type ChainDeps, type ChainLink, type LinkContext, type LinkMiss } from './chain-link.js';
import { startSdkSession } from './sdk-session.js';
import { environmentLink } from './environment.js';
import { sharedProfileLink } from './shared-profile.js';
import { webIdentityFileLink } from './web-identity-file.js';
import { containerLink } from './container.js';
import { instanceMetadataLink } from './instance-metadata.js';

export const CHAIN_LINKS: readonly ChainLink[] = [
  environmentLink,
  sharedProfileLink,
  webIdentityFileLink,
  containerLink,
  instanceMetadataLink,
];

/** Where the default chain looks, in order, for the "no credentials" message. */
export function chainDescription(env: NodeJS.ProcessEnv, links: readonly ChainLink[] = CHAIN_LINKS): string {
  return links.map((link) => link.where(env)).join('; ');
}

/** The chain for --help: "the environment, shared profile, … or EC2 instance metadata". */
export function chainSummary(links: readonly ChainLink[] = CHAIN_LINKS): string {
  const names = links.map((link) => link.short);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]!}`;
}

/**
 * Runs the chain. Returns the first link's credentials, with `source` naming the link (and what else was
 * set but not used); throws an AuthError naming the link that failed, or listing where it looked.
 */
export async function resolveCredentials(
  deps: ChainDeps,
  links: readonly ChainLink[] = CHAIN_LINKS,
): Promise<ResolvedCredentials> {
  const ctx: LinkContext = {
    deps,
    env: deps.env,
    totalMs: deps.timeoutMs ?? Math.max(0, deps.deadline - deps.clock.now()),
    session: undefined,
  };
  let stop: (() => Promise<void>) | undefined;
  try {
    const misses: LinkMiss[] = [];
    for (const link of links) {
      if (link.sdk && ctx.session === undefined)
        ({ session: ctx.session, stop } = await startSdkSession(deps, ctx.totalMs));
      if (!link.applies(ctx)) continue;
      const answer = await link.resolve(ctx);
      if (!isMiss(answer)) return answer;
      misses.push(answer);
    }
    throw noCredentials(deps.env, misses, links);
  } finally {
    await stop?.();
  }
}

/** The end of the chain: a link's failure worth fixing, else where it looked, the last error and the fix for this CI. */
function noCredentials(env: NodeJS.ProcessEnv, misses: LinkMiss[], links: readonly ChainLink[]): AuthError {
  const failure = misses.find((m) => m.failure !== undefined)?.failure;
  if (failure !== undefined) return failure;
  const tried = misses.flatMap((m) => (m.tried !== undefined ? [m.tried] : []));
  const last = tried.length > 0 ? ` Last error: ${tried[tried.length - 1]}.` : '';
  const hints = misses.map((m) => m.hint ?? '').join('');
  return new AuthError(
    `No AWS credentials found. Looked in: ${chainDescription(env, links)}.${last}${hints} ${readCiEnvironment(env).credentialsFix}`,
    {
      code: 'AWS_NO_CREDENTIALS',
    },
  );
}

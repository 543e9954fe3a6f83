/**
 * The credential chain as a list (src/core/credentials/links/chain-links.ts): the SDK's order, the one loop's
 * precedence and error rules, and what users read from it (--help, the "No AWS credentials found" message,
 * docs/aws-credential-sources.md's table) following the list.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpText } from '../../../src/cli.js';
import {
  CHAIN_LINKS,
  chainDescription,
  chainSummary,
  resolveCredentials,
} from '../../../src/core/credentials/links/chain-links.js';
import type { ChainDeps, ChainLink, LinkMiss } from '../../../src/core/credentials/links/chain-link.js';
import type * as SdkLinks from '../../../src/core/credentials/sdk-providers.js';
import type { ResolvedCredentials } from '../../../src/core/credentials/env-credentials.js';
import { AuthError } from '../../../src/core/safety/errors.js';
import { readAwsEnvironment } from '../../../src/core/credentials/aws-environment.js';
import { readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
import { ROOT } from '../../../testkit/runner.js';

const DOC = readFileSync(join(ROOT, 'docs', 'aws-credential-sources.md'), 'utf8');

/** The rows of the first Markdown table after `heading` in the docs page: the cells of each, trimmed. */
function tableAfter(heading: string): string[][] {
  const lines = DOC.slice(DOC.indexOf(`\n${heading}\n`)).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2);
}

describe('the list', () => {
  it("is the AWS SDK's default chain order: environment, shared profile, web identity token file, container, instance metadata", () => {
    expect(CHAIN_LINKS.map((l) => l.id)).toEqual(['env', 'profile', 'token-file', 'container', 'imds']);
    // Only the environment link runs before the SDK's providers are loaded.
    expect(CHAIN_LINKS.map((l) => l.sdk)).toEqual([false, true, true, false, true]);
  });

  it("docs/aws-credential-sources.md's table lists the links in the list's order, with the variables each looks at", () => {
    const rows = tableAfter('## Which source is used, and how to see it');
    expect(rows.map(([n, name]) => [n, name])).toEqual(CHAIN_LINKS.map((l, i) => [String(i + 1), l.name]));
    const env = readAwsEnvironment({ AWS_PROFILE: 'p', AWS_EC2_METADATA_DISABLED: 'true' });
    CHAIN_LINKS.forEach((link, i) => {
      for (const variable of link.where(env).match(/\bAWS_[A-Z_]+[A-Z]/g) ?? [])
        expect(rows[i]![2]).toContain(`\`${variable}`);
    });
  });

  it('--help summarises the chain from the list, in its order', () => {
    const help = helpText('1.0.0').split('\n');
    const start = help.findIndex((l) => l.startsWith('AWS credentials: '));
    // The bytes of --help are those of before the list (docs/ci-systems.md shows them).
    expect(help.slice(start, start + 2)).toEqual([
      'AWS credentials: --role-to-assume with a web identity token, else the environment, shared profile,',
      'web identity token file, container credentials or EC2 instance metadata (the AWS SDK default chain).',
    ]);
    expect(help.slice(start, start + 2).join(' ')).toContain(chainSummary());
    expect(chainSummary([CHAIN_LINKS[3]!, CHAIN_LINKS[0]!])).toBe('container credentials or the environment');
    const ciSystems = readFileSync(join(ROOT, 'docs', 'ci-systems.md'), 'utf8');
    expect(ciSystems).toContain(`${help.slice(start, start + 2).join('\n')}\n`);
  });

  it('the no-credentials message says where it looked, link by link in the list order', () => {
    expect(chainDescription(readAwsEnvironment({ AWS_PROFILE: 'ci', AWS_EC2_METADATA_DISABLED: 'true' }))).toBe(
      'environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; the shared config and credentials files (profile "ci"; SSO, credential_process and role profiles included); a web identity token file (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE); container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI, ECS and EKS Pod Identity); EC2 instance metadata (IMDSv2) (disabled by AWS_EC2_METADATA_DISABLED)',
    );
    // The note follows the rule that turns IMDS off (any value but "false"), not only "true".
    expect(chainDescription(readAwsEnvironment({ AWS_EC2_METADATA_DISABLED: '1' }), [CHAIN_LINKS[4]!])).toBe(
      'EC2 instance metadata (IMDSv2) (disabled by AWS_EC2_METADATA_DISABLED)',
    );
    expect(chainDescription(readAwsEnvironment({}), [CHAIN_LINKS[4]!, CHAIN_LINKS[0]!])).toBe(
      'EC2 instance metadata (IMDSv2); environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    );
  });
});

/** Links that record what the loop did with them. */
function fakeLink(
  id: string,
  sdk: boolean,
  behaviour: { applies?: boolean; answer?: 'creds' | LinkMiss | Error },
  calls: string[],
): ChainLink {
  return {
    id: 'env',
    short: id,
    name: id,
    where: () => `where ${id}`,
    sdk,
    applies: () => {
      calls.push(`applies ${id}`);
      return behaviour.applies ?? true;
    },
    resolve: async () => {
      calls.push(`resolve ${id}`);
      const answer = behaviour.answer ?? 'creds';
      if (answer instanceof Error) throw answer;
      if (answer === 'creds')
        return { accessKeyId: 'AKIAEXAMPLEEXAMPLE', secretAccessKey: 's', source: id } satisfies ResolvedCredentials;
      return answer;
    },
  };
}

const CHAIN_ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/creds',
};

function deps(calls: string[], env: NodeJS.ProcessEnv = CHAIN_ENV): ChainDeps {
  return {
    aws: readAwsEnvironment(env),
    credentialsFix: readCiEnvironment(env).credentialsFix,
    clock: { now: () => Date.now(), sleep: async () => undefined, random: () => 0 },
    log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
    secret: () => undefined,
    loadSdk: async () => {
      calls.push('load SDK');
      return { parseKnownFiles: async () => ({}) } as unknown as typeof SdkLinks;
    },
    deadline: Date.now() + 5000,
    attemptTimeoutMs: 1000,
    maxAttempts: 1,
    region: 'eu-west-1',
  };
}

describe('the loop', () => {
  it('the first link that applies answers; links that do not apply are skipped unresolved; later links never run', async () => {
    const calls: string[] = [];
    const links = [
      fakeLink('a', false, { applies: false }, calls),
      fakeLink('b', false, {}, calls),
      fakeLink('c', false, {}, calls),
    ];
    expect((await resolveCredentials(deps(calls), links)).source).toBe('b');
    expect(calls).toEqual(['applies a', 'applies b', 'resolve b']);
  });

  it("loads the SDK's providers only before the first link that needs them, and once", async () => {
    const calls: string[] = [];
    const first = [fakeLink('keys', false, {}, calls), fakeLink('sdk', true, {}, calls)];
    await resolveCredentials(deps(calls), first);
    expect(calls).toEqual(['applies keys', 'resolve keys']);
    calls.length = 0;
    const later = [
      fakeLink('keys', false, { applies: false }, calls),
      fakeLink('p', true, { answer: { missed: true } }, calls),
      fakeLink('q', true, {}, calls),
    ];
    await resolveCredentials(deps(calls), later);
    expect(calls).toEqual(['applies keys', 'load SDK', 'applies p', 'resolve p', 'applies q', 'resolve q']);
  });

  it('a link that applies and fails ends the chain with its error', async () => {
    const calls: string[] = [];
    const err = new AuthError('broken link', { code: 'AWS_CREDENTIAL_SOURCE_FAILED' });
    const links = [fakeLink('a', false, { answer: err }, calls), fakeLink('b', false, {}, calls)];
    await expect(resolveCredentials(deps(calls), links)).rejects.toBe(err);
    expect(calls).toEqual(['applies a', 'resolve a']);
  });

  it('a miss passes on; with no answer, a miss that names a failure is the error, else where it looked, the last error and the hints', async () => {
    const calls: string[] = [];
    const failure = new AuthError('profile p is broken', { code: 'AWS_CREDENTIAL_SOURCE_FAILED' });
    const withFailure = [
      fakeLink('a', false, { answer: { missed: true, tried: 'a: no', failure } }, calls),
      fakeLink('b', false, { answer: { missed: true, tried: 'b: no' } }, calls),
    ];
    await expect(resolveCredentials(deps(calls), withFailure)).rejects.toBe(failure);
    expect(calls).toEqual(['applies a', 'resolve a', 'applies b', 'resolve b']);

    const none = [
      fakeLink('a', false, { answer: { missed: true, tried: 'a: no' } }, calls),
      fakeLink('b', false, { applies: false }, calls),
      fakeLink('c', false, { answer: { missed: true, tried: 'c: no', hint: ' Hint from c.' } }, calls),
    ];
    const err = await resolveCredentials(deps(calls), none).catch((e: unknown) => e as AuthError);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('AWS_NO_CREDENTIALS');
    expect((err as AuthError).message).toBe(
      'No AWS credentials found. Looked in: where a; where b; where c. Last error: c: no. Hint from c. Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary keys), or AWS_PROFILE naming a profile in ~/.aws/config, or pass role-to-assume ARN with --web-identity-token-file PATH (an OIDC token from your CI system), or run on a machine with an instance or container role.',
    );
  });

  it('the real chain: keys in the environment answer before any SDK code loads, whatever else is set', async () => {
    const calls: string[] = [];
    const d = deps(calls, {
      ...CHAIN_ENV,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE01',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ROLE_ARN: 'arn:aws:iam::1:role/r',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/t',
    });
    const got = await resolveCredentials(d);
    expect(got.source).toBe(
      "environment variables (long-term access key); also set but not used (lower in the AWS SDK's order): AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE",
    );
    expect(calls).toEqual([]);
  });
});

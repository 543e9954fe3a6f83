/**
 * What each built file carries, from the `// path` line esbuild writes before every module it bundles: the
 * Action's entry (dist/index.js) carries of the AWS credential chain only what keys in the environment need, and
 * the lazily loaded chunk (dist/credential-chain.js) the rest, which the entry loads with import() only when there
 * are no keys in the environment and no role (credential-source.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';

function modules(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1]!);
}

const CHAIN_IN_ENTRY = [
  'src/core/credentials/allowed-accounts.ts',
  'src/core/credentials/aws-environment.ts',
  'src/core/credentials/env-credentials.ts',
  'src/core/credentials/links/chain-link.ts',
  'src/core/credentials/links/environment.ts',
];

describe('the Action entry and its lazy chunk', () => {
  const entry = modules('dist/index.js');
  const chunk = modules('dist/credential-chain.js');

  test('the entry carries of the credential chain only the environment link, its reader and allowed-account-ids', () => {
    expect(entry.filter((m) => m.startsWith('src/core/credentials/')).sort()).toEqual(CHAIN_IN_ENTRY);
    expect(entry.filter((m) => m.startsWith('node_modules/@aws-sdk/'))).toEqual([]);
  });

  test('the chunk carries the loop, every other link, the bounded clients and the SDK providers', () => {
    for (const m of [
      'src/core/credentials/links/chain-links.ts',
      'src/core/credentials/links/shared-profile.ts',
      'src/core/credentials/links/web-identity-file.ts',
      'src/core/credentials/links/container.ts',
      'src/core/credentials/links/instance-metadata.ts',
      'src/core/credentials/container-credentials.ts',
      'src/core/credentials/instance-metadata.ts',
      'src/core/credentials/credential-process.ts',
      'src/core/credentials/sdk-http.ts',
      'src/core/credentials/sdk-providers.ts',
    ])
      expect(chunk).toContain(m);
    expect(chunk.some((m) => m.startsWith('node_modules/@aws-sdk/credential-provider-ini/'))).toBe(true);
  });

  test('the entry loads the chunk in one place, with import(), and never at start', () => {
    const text = readFileSync('dist/index.js', 'utf8');
    expect([...text.matchAll(/credential-chain\.js/g)]).toHaveLength(1);
    expect(text).toMatch(/lazy: \{ credentialChain: \(\) => import\("\.\/credential-chain\.js"\) \}/);
  });
});

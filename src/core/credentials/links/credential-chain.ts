/**
 * The AWS SDK's default credential chain, for runs with no role and no keys in the environment: the part of the
 * tool that is loaded only on that path. The Action builds it as its own file (dist/credential-chain.js) and
 * imports it then; the CLI carries it inline and evaluates it then. It holds the chain's loop and links (this folder),
 * the tool's own container, instance metadata and credential_process clients, and the SDK's providers
 * (sdk-providers.ts), which every run of the chain reaches: its second link is the shared profile.
 *
 * Keys in the environment, the first link, are read without it (credential-source.ts): the usual run loads none
 * of this.
 */
import type { ResolvedCredentials } from '../env-credentials.js';
import type { ChainDeps } from './chain-link.js';
import { resolveCredentials } from './chain-links.js';
import * as sdkProviders from '../sdk-providers.js';

/** Runs the whole chain in the SDK's order (chain-links.ts). */
export function runCredentialChain(deps: Omit<ChainDeps, 'loadSdk'>): Promise<ResolvedCredentials> {
  return resolveCredentials({ ...deps, loadSdk: () => Promise.resolve(sdkProviders) });
}

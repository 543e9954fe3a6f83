/**
 * The links of the AWS SDK's default credential chain that the tool runs through the SDK itself (shared
 * profiles, credential_process, web identity token files), from their public packages. Only the chain
 * (links/credential-chain.ts, loaded lazily) imports this module. Container credentials and EC2 instance metadata are not here: the tool
 * fetches them itself (container-credentials.ts, instance-metadata.ts), with bounded time and size; fromProcess
 * is used only for what the tool does not run itself (links/shared-profile.ts: a profile's credential_process is
 * the tool's, credential-process.ts).
 */
export { fromIni } from '@aws-sdk/credential-provider-ini';
export { fromProcess } from '@aws-sdk/credential-provider-process';
export { fromTokenFile, fromWebToken } from '@aws-sdk/credential-provider-web-identity';
export type { AssumeRoleWithWebIdentityParams } from '@aws-sdk/credential-provider-web-identity';
export { parseKnownFiles } from '@smithy/core/config';

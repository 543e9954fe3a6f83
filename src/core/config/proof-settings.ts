import { ConfigError, quoteForLog } from '../safety/errors.js';

/**
 * Which proof of the AWS identity is exchanged with Mondoo:
 * - signed-request (the default): a SigV4-signed STS GetCallerIdentity that Mondoo replays against STS;
 * - aws-jwt: a JWT that STS GetWebIdentityToken signs for the Mondoo audience, which Mondoo verifies through a
 *   custom OIDC identity provider (see aws-jwt.ts).
 */
export type ProofKind = 'signed-request' | 'aws-jwt';
export const PROOF_KINDS: readonly ProofKind[] = ['signed-request', 'aws-jwt'];

/** GetWebIdentityToken's SigningAlgorithm. */
export type JwtAlgorithm = 'RS256' | 'ES384';
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'ES384'];

/** The issuer-uri setting's default (Mondoo's AWS identity provider); with aws-jwt the token's `iss` is sent instead. */
export const DEFAULT_ISSUER_URI = 'https://sts.amazonaws.com';

/** GetWebIdentityToken's DurationSeconds bounds and default (the service model's). */
export const AWS_JWT_MIN_SECONDS = 60;
export const AWS_JWT_MAX_SECONDS = 3600;
export const AWS_JWT_DEFAULT_SECONDS = 300;

/** The proof setting, in any letter case. */
export function parseProof(value: string, describe: (name: string) => string): ProofKind {
  const trimmed = value.trim().toLowerCase();
  if ((PROOF_KINDS as readonly string[]).includes(trimmed)) return trimmed as ProofKind;
  throw new ConfigError(
    'proof',
    `${describe('proof')} ${quoteForLog(value.trim(), 80)} must be signed-request (a signed STS GetCallerIdentity, the default) or aws-jwt (an AWS-signed JWT for the Mondoo audience, from STS GetWebIdentityToken).`,
  );
}

/** The aws-jwt-algorithm setting: RS256 or ES384, in any letter case. */
export function parseJwtAlgorithm(value: string, describe: (name: string) => string): JwtAlgorithm {
  const trimmed = value.trim().toUpperCase();
  if ((JWT_ALGORITHMS as readonly string[]).includes(trimmed)) return trimmed as JwtAlgorithm;
  throw new ConfigError(
    'aws-jwt-algorithm',
    `${describe('aws-jwt-algorithm')} ${quoteForLog(value.trim(), 80)} must be RS256 (the default) or ES384, the algorithms STS GetWebIdentityToken signs with.`,
  );
}

/** GetWebIdentityToken's limit on each Audience.member (the service model's length constraint). */
export const AWS_JWT_MAX_AUDIENCE_LENGTH = 1000;

/** What proof aws-jwt needs of the other settings, checked with them, before any request. */
export function checkProofSettings(
  config: { proof: ProofKind; audience: string },
  describe: (name: string) => string,
): void {
  if (config.proof === 'aws-jwt' && config.audience.length > AWS_JWT_MAX_AUDIENCE_LENGTH) {
    throw new ConfigError(
      'audience',
      `${describe('audience')} is ${config.audience.length} characters long; with proof aws-jwt it becomes the JWT's audience, which STS GetWebIdentityToken limits to ${AWS_JWT_MAX_AUDIENCE_LENGTH}. Copy the audience Mondoo shows for the identity provider.`,
    );
  }
}

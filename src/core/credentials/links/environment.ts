/** Link 1: keys in the environment, read directly (env-credentials.ts), so the usual case loads no SDK code. */
import { credentialsFromEnv } from '../env-credentials.js';
import { handOn, withUnused, type ChainLink } from './chain-link.js';

export const environmentLink: ChainLink = {
  id: 'env',
  short: 'the environment',
  name: 'environment variables',
  where: () => 'environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  sdk: false,
  // As in the SDK, skipped when AWS_PROFILE is set; otherwise any of the three variables makes it apply.
  applies: ({ aws }) =>
    !aws.explicitProfile &&
    [aws.accessKeyId, aws.secretAccessKey, aws.sessionToken].some((value) => value !== undefined),
  resolve({ aws, deps }) {
    // Malformed keys are a ConfigError here, before any request.
    const fromEnv = credentialsFromEnv(aws)!;
    return Promise.resolve(handOn(fromEnv, withUnused(fromEnv.source, aws, 'env'), deps));
  },
};

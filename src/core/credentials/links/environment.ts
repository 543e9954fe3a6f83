/** Link 1: keys in the environment, read directly (env-credentials.ts), so the usual case loads no SDK code. */
import { credentialsFromEnv } from '../env-credentials.js';
import { withUnused, type ChainLink } from './chain-link.js';

export const environmentLink: ChainLink = {
  id: 'env',
  short: 'the environment',
  name: 'environment variables',
  where: () => 'environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  sdk: false,
  // As in the SDK, skipped when AWS_PROFILE is set; otherwise any of the three variables makes it apply.
  applies: ({ env }) =>
    !env['AWS_PROFILE']?.trim() &&
    ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].some((v) => env[v]?.trim()),
  resolve({ env, deps }) {
    // Malformed keys are a ConfigError here, before any request.
    const fromEnv = credentialsFromEnv(env)!;
    deps.secret(fromEnv.secretAccessKey);
    if (fromEnv.sessionToken !== undefined) deps.secret(fromEnv.sessionToken);
    return Promise.resolve({ ...fromEnv, source: withUnused(fromEnv.source, env, 'env') });
  },
};

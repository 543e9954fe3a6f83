/** A token in a file: --web-identity-token-file PATH, else AWS_WEB_IDENTITY_TOKEN_FILE. */
import { AuthError, ConfigError, errorMessage } from '../safety/errors.js';
import { readSecretFile, WEB_IDENTITY_TOKEN_MAX_BYTES } from '../safety/secret-file.js';
import type { CiTokenSource } from './ci-system.js';

/**
 * Reads a web identity token file with the one bounded reader (secret-file.ts): a regular file of at most
 * WEB_IDENTITY_TOKEN_MAX_BYTES. Throws a message naming the file, never its content.
 */
export function readTokenFile(path: string): string {
  return readSecretFile(
    path,
    WEB_IDENTITY_TOKEN_MAX_BYTES,
    'the web identity token file',
    'the web identity token',
    'OIDC_TOKEN_UNAVAILABLE',
  );
}

export const tokenFileSource: CiTokenSource = {
  kind: 'option',
  help: '--web-identity-token-file PATH or AWS_WEB_IDENTITY_TOKEN_FILE',
  variables: [],
  applies: (_v, opts) => opts.tokenFile !== undefined && opts.tokenFile.trim() !== '',
  source(_v, opts) {
    const path = opts.tokenFile!.trim();
    // Checked before any request (and again, on the open file, at every read).
    try {
      readTokenFile(path);
    } catch (err) {
      throw new ConfigError(
        'web-identity-token-file',
        `${errorMessage(err).replace(/\.$/, '')}. Check --web-identity-token-file / AWS_WEB_IDENTITY_TOKEN_FILE.`,
      );
    }
    return {
      name: `the file ${path}`,
      async fetch() {
        // Read afresh on every attempt: EKS and others rotate the file. Read synchronously as the AWS SDK reads
        // it (and no fs/promises to load for it), with the limits of readTokenFile.
        const token = readTokenFile(path).trim();
        if (token === '')
          throw new AuthError(`the web identity token file ${path} is empty.`, { code: 'OIDC_TOKEN_UNAVAILABLE' });
        return token;
      },
    };
  },
};

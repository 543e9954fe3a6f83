import { serializeSignedRequest, signGetCallerIdentity, type AwsCredentials } from './signing.js';
import type { SecretOptions } from '../safety/log-safety.js';
import type { SigningClock } from './signing-clock.js';

/** Something that makes a fresh proof of the AWS identity on request: the serialized signed request. */
export interface SignedProof {
  /** A GetCallerIdentity signed now (by the signing clock), serialized for Mondoo; signature and request masked. */
  sign(): Promise<string>;
}

/**
 * The proof Mondoo replays against STS, signed anew for every attempt: a signature is a bearer proof valid
 * for about 15 minutes, so it is made just before it is sent and never reused.
 */
export function signedProof(
  credentials: AwsCredentials,
  clock: SigningClock,
  secret: (value: string, opts?: SecretOptions) => void,
): SignedProof {
  return {
    async sign() {
      const signed = await signGetCallerIdentity(credentials, clock.now());
      const signedRequest = serializeSignedRequest(signed);
      // The signature is the secret; the serialized request around it (host, date, signed headers) is found whole.
      secret(signed.signature);
      secret(signedRequest, { pieces: false });
      return signedRequest;
    },
  };
}

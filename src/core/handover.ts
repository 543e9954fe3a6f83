import { credentialSecrets, decodeCredential, type MondooCredential } from './mondoo-credential.js';

/**
 * Mondoo's answer made ready to hand over: masked as it arrives, decoded, and its private key masked whole
 * and line by line. A credential that does not decode is refused, but whatever could be read of it is
 * masked first.
 */
export function receiveCredential(base64Credential: string, secret: (value: string) => void): MondooCredential {
  secret(base64Credential);
  const decoded = attempt(() => decodeCredential(base64Credential));
  for (const value of credentialSecrets(base64Credential, 'value' in decoded ? decoded.value : keyOnly(base64Credential))) secret(value);
  if ('error' in decoded) throw decoded.error;
  return decoded.value;
}

function attempt<T>(f: () => T): { value: T } | { error: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

/** The private key of a credential that may be malformed, only to mask it. */
function keyOnly(base64Credential: string): MondooCredential | undefined {
  const parsed = attempt(() => JSON.parse(Buffer.from(base64Credential, 'base64').toString('utf8')) as { private_key?: unknown });
  if (!('value' in parsed) || typeof parsed.value?.private_key !== 'string') return undefined;
  return { privateKey: parsed.value.private_key, mrn: '', spaceMrn: '', certificate: '', apiEndpoint: '' };
}

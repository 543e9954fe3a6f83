import { AuthError } from './errors.js';

/** The service-account credential Mondoo issues. `privateKey` is secret; the rest is not. */
export interface MondooCredential {
  mrn: string;
  spaceMrn: string;
  privateKey: string;
  certificate: string;
  apiEndpoint: string;
}

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalid(reason: string): AuthError {
  return new AuthError(`Mondoo returned a base64_credential that is not a service-account credential: ${reason}. Nothing was exported. If this repeats, report it to Mondoo support.`, { code: 'MONDOO_BAD_RESPONSE' });
}

/**
 * Decodes base64_credential to read its non-secret fields and to find the private key to mask. The value
 * passed on to later steps stays the original string; this never re-encodes it.
 */
export function decodeCredential(base64Credential: string): MondooCredential {
  if (!STANDARD_BASE64.test(base64Credential)) throw invalid('it is not standard base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(base64Credential, 'base64').toString('utf8'));
  } catch {
    throw invalid('it does not decode to JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('it does not decode to a JSON object');
  const fields = parsed as Record<string, unknown>;
  const text = (key: string, required: boolean): string => {
    const value = fields[key];
    if (typeof value === 'string' && value !== '') return value;
    if (!required && value === undefined) return '';
    throw invalid(`the field ${key} is ${value === undefined ? 'missing' : 'not a non-empty string'}`);
  };
  const privateKey = text('private_key', true);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) throw invalid('private_key is not a PEM private key');
  return {
    mrn: text('mrn', true),
    spaceMrn: text('space_mrn', false),
    privateKey,
    certificate: text('certificate', true),
    apiEndpoint: text('api_endpoint', true),
  };
}

/** What to mask for a credential: the private key whole and each of its lines (the runner masks per line). */
export function credentialSecrets(base64Credential: string, credential: MondooCredential | undefined): string[] {
  const secrets = [base64Credential];
  if (credential !== undefined) {
    secrets.push(credential.privateKey);
    for (const line of credential.privateKey.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed !== '' && !trimmed.startsWith('-----')) secrets.push(trimmed);
    }
  }
  return secrets;
}

import { AuthError, quoteForLog } from '../safety/errors.js';
import type { ResponseType } from '../config/response-type.js';
import { API_ENDPOINT_SHAPE, isApiEndpoint, isMrn } from '../safety/server-values.js';

/** The service-account credential Mondoo issues. `privateKey` is secret; the rest is not. */
export interface MondooCredential {
  mrn: string;
  spaceMrn: string;
  privateKey: string;
  certificate: string;
  apiEndpoint: string;
}

/** What Mondoo issued, as far as the outputs need it: only validated, non-secret values. */
export interface IssuedCredential {
  kind: ResponseType;
  /** The service account's MRN ('' when a token answer does not name it). */
  mrn: string;
  /** The space, organization or platform it is scoped to ('' when not given). */
  spaceMrn: string;
  /** '' when a token answer does not name it. */
  apiEndpoint: string;
}

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Keys whose values are identifiers shown in outputs, never secrets. */
const PUBLIC_KEYS = new Set(['mrn', 'space_mrn', 'scope_mrn', 'parent_mrn', 'api_endpoint', 'certificate']);

function invalid(reason: string, what = 'a service-account credential'): AuthError {
  return new AuthError(
    `Mondoo returned a base64_credential that is not ${what}: ${reason}. Nothing was exported. If this repeats, report it to Mondoo support.`,
    { code: 'MONDOO_BAD_RESPONSE' },
  );
}

function decodeObject(base64Credential: string, what: string): Record<string, unknown> {
  if (!STANDARD_BASE64.test(base64Credential)) throw invalid('it is not standard base64', what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(base64Credential, 'base64').toString('utf8'));
  } catch {
    throw invalid('it does not decode to JSON', what);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('it does not decode to a JSON object', what);
  return parsed as Record<string, unknown>;
}

/**
 * A field that feeds an output: absent is '', present must be a value of its kind (named in the error; a bad
 * api_endpoint is quoted too, escaped and shortened, since it may well be an ordinary URL gone wrong).
 */
function identifier(fields: Record<string, unknown>, key: string, required: boolean, what: string): string {
  const value = fields[key];
  if (value === undefined && !required) return '';
  if (typeof value !== 'string' || value === '')
    throw invalid(`the field ${key} is ${value === undefined ? 'missing' : 'not a non-empty string'}`, what);
  if (key === 'api_endpoint') {
    if (!isApiEndpoint(value))
      throw invalid(
        `the field api_endpoint is not an https URL (${API_ENDPOINT_SHAPE}): ${quoteForLog(value, 120)}`,
        what,
      );
  } else if (!isMrn(value)) throw invalid(`the field ${key} is not a Mondoo resource name (//service/path)`, what);
  return value;
}

/**
 * Decodes base64_credential to read its non-secret fields and to find the private key to mask. The value
 * passed on to later steps stays the original string; this never re-encodes it.
 */
export function decodeCredential(base64Credential: string): MondooCredential {
  const what = 'a service-account credential';
  const fields = decodeObject(base64Credential, what);
  const text = (key: string): string => {
    const value = fields[key];
    if (typeof value === 'string' && value !== '') return value;
    throw invalid(`the field ${key} is ${value === undefined ? 'missing' : 'not a non-empty string'}`, what);
  };
  const privateKey = text('private_key');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey))
    throw invalid('private_key is not a PEM private key', what);
  return {
    mrn: identifier(fields, 'mrn', true, what),
    spaceMrn: identifier(fields, 'space_mrn', false, what),
    privateKey,
    certificate: text('certificate'),
    apiEndpoint: identifier(fields, 'api_endpoint', true, what),
  };
}

/**
 * Decodes the answer to `response_type: TOKEN`: a JSON object whose `token` is a non-empty string without
 * spaces or control characters; `mrn`, `scope_mrn` (or `space_mrn`) and `api_endpoint` when present.
 */
export function decodeTokenResponse(base64Credential: string): IssuedCredential {
  const what = 'a short-lived token';
  const fields = decodeObject(base64Credential, what);
  const token = fields['token'];
  if (typeof token !== 'string' || token === '')
    throw invalid(`the field token is ${token === undefined ? 'missing' : 'not a non-empty string'}`, what);
  if (!/^[\x21-\x7e]+$/.test(token)) throw invalid('the field token holds spaces or control characters', what);
  const scopeKey = fields['scope_mrn'] !== undefined ? 'scope_mrn' : 'space_mrn';
  return {
    kind: 'token',
    mrn: identifier(fields, 'mrn', false, what),
    spaceMrn: identifier(fields, scopeKey, false, what),
    apiEndpoint: identifier(fields, 'api_endpoint', false, what),
  };
}

/** Fields that hold the secret itself: masked whatever their length (the masker never takes one under 4 characters). */
const SECRET_KEYS = new Set(['private_key', 'token']);
/** Any other string of the answer (nested ones included) is masked when it is at least this long. */
export const MIN_MASKED_FIELD_LENGTH = 8;
/** At most this many masks come from one answer; an answer that would need more is refused. */
export const MAX_CREDENTIAL_MASKS = 64;
/** A base64_credential longer than this is refused (a real one is a few KB; the redactor indexes values up to 64 KiB). */
export const MAX_CREDENTIAL_LENGTH = 64 * 1024;

/** Every string in a decoded value with whether it is a known secret field, except the public identifiers at its top level. */
function strings(value: unknown, topLevel: boolean, known: boolean, out: [string, boolean][]): void {
  if (typeof value === 'string') out.push([value, known]);
  else if (Array.isArray(value)) for (const item of value) strings(item, false, known, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value))
      if (!(topLevel && PUBLIC_KEYS.has(key))) strings(item, false, known || (topLevel && SECRET_KEYS.has(key)), out);
  }
}

/** What to mask for an answer, and why it is refused when it is absurd (too long, or too many strings that could be secret). */
export interface CredentialMasks {
  secrets: string[];
  refusal: string | undefined;
}

/**
 * What to mask for an answer, decodable or not: the base64 value; the known secret fields (private_key,
 * token) whole and each of their lines (the runner masks per line); and every other string of the decoded
 * object that could be secret (not a public identifier, {@link MIN_MASKED_FIELD_LENGTH} characters or more),
 * whole and by line. An answer longer than {@link MAX_CREDENTIAL_LENGTH} is refused undecoded, its base64 value
 * masked; one needing more than {@link MAX_CREDENTIAL_MASKS} masks is refused with its base64 value and known
 * secret fields masked, the rest not (a hostile answer must not blank the log with thousands of masks).
 */
export function credentialMasks(base64Credential: string): CredentialMasks {
  const whole = [base64Credential];
  if (base64Credential.length > MAX_CREDENTIAL_LENGTH)
    return {
      secrets: whole,
      refusal: `it is ${base64Credential.length} characters long, more than the ${MAX_CREDENTIAL_LENGTH} a credential can be`,
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(base64Credential, 'base64').toString('utf8'));
  } catch {
    return { secrets: whole, refusal: undefined };
  }
  const found: [string, boolean][] = [];
  strings(parsed, true, false, found);
  const known: string[] = [];
  const others: string[] = [];
  for (const [value, isKnown] of found) {
    const list = isKnown ? known : others;
    const min = isKnown ? 1 : MIN_MASKED_FIELD_LENGTH;
    if (value.length >= min) list.push(value);
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= min && trimmed !== value && !trimmed.startsWith('-----')) list.push(trimmed);
    }
  }
  const unique = (list: string[]): string[] => list.filter((s, i) => s !== '' && list.indexOf(s) === i);
  const all = unique([...whole, ...known, ...others]);
  if (all.length <= MAX_CREDENTIAL_MASKS) return { secrets: all, refusal: undefined };
  return {
    secrets: unique([...whole, ...known]),
    refusal: `it holds more than ${MAX_CREDENTIAL_MASKS} values that could be secret`,
  };
}

/** The masks for an answer ({@link credentialMasks}). */
export function credentialSecrets(base64Credential: string): string[] {
  return credentialMasks(base64Credential).secrets;
}

/**
 * Masks, then decodes and checks, what Mondoo returned for the response type asked for. The masks are
 * registered first, so even a malformed answer leaves nothing secret printable.
 */
export function readIssued(
  base64Credential: string,
  responseType: ResponseType,
  secret: (value: string) => void,
): IssuedCredential {
  const { secrets, refusal } = credentialMasks(base64Credential);
  for (const value of secrets) secret(value);
  if (refusal !== undefined)
    throw invalid(refusal, responseType === 'token' ? 'a short-lived token' : 'a service-account credential');
  if (responseType === 'token') return decodeTokenResponse(base64Credential);
  const credential = decodeCredential(base64Credential);
  return {
    kind: 'credential',
    mrn: credential.mrn,
    spaceMrn: credential.spaceMrn,
    apiEndpoint: credential.apiEndpoint,
  };
}

/** "as //agents…/serviceaccounts/…", or what a token answer allows to say. */
export function describeIssued(issued: IssuedCredential): string {
  if (issued.kind === 'credential') return `as ${issued.mrn}`;
  const whom = issued.mrn !== '' ? ` for ${issued.mrn}` : issued.spaceMrn !== '' ? ` for ${issued.spaceMrn}` : '';
  return `with a short-lived token${whom}`;
}

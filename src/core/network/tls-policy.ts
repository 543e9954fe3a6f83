import { AuthError } from '../safety/errors.js';

/**
 * The TLS policy of every connection the tool makes (its agents, the CONNECT tunnel, TLS to an https://
 * proxy, the connections opened ahead): the server's certificate is always checked, against Node's root
 * certificates and NODE_EXTRA_CA_CERTS. Node turns the check off for every connection that does not ask
 * for it when NODE_TLS_REJECT_UNAUTHORIZED=0 (which users set "for the proxy", and an earlier step can put
 * in GITHUB_ENV); asking for it explicitly makes the variable powerless here.
 * Shown in __tests__/unit/network/certificates.test.ts (in process) and __tests__/e2e/certificates.test.ts (bundles).
 */

/** `options` with the certificate check on; applied last, so nothing in `options` can turn it off. */
export function checkedTls<T extends object>(options: T): T & { rejectUnauthorized: true } {
  return { ...options, rejectUnauthorized: true };
}

/** The warning for NODE_TLS_REJECT_UNAUTHORIZED=0 (the one value Node acts on), once per run; else none. */
export function ignoredTlsOverride(env: NodeJS.ProcessEnv): string | undefined {
  if (env['NODE_TLS_REJECT_UNAUTHORIZED'] !== '0') return undefined;
  return (
    'NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: mondoo-aws-auth always checks TLS certificates. ' +
    'To trust a proxy that inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.'
  );
}

/** Node's codes for a certificate it refused (OpenSSL's verification results, and a name the certificate lacks). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The failure for a certificate Node refused, if `err` is one: final (another attempt meets the same
 * certificate), and saying what to do. `where` names the server or proxy (never a secret). Only Node's code
 * is quoted: its message would carry names out of the certificate, which the server chose.
 */
export function untrustedCertificate(err: Error, where: string): AuthError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined || !CERTIFICATE_CODES.has(code)) return undefined;
  const what = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'is not issued for that name' : 'is not trusted';
  return new AuthError(
    `The TLS certificate of ${where} ${what} (${code}). Certificates are always checked, whatever ` +
      'NODE_TLS_REJECT_UNAUTHORIZED says; if a proxy inspects TLS, set NODE_EXTRA_CA_CERTS to a PEM file with its CA certificate.',
    { code: 'TLS_CERTIFICATE_UNTRUSTED', cause: err },
  );
}

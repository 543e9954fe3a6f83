import { AuthError, HttpFailure, isTransientStatus, truncate, type ErrorCode } from '../safety/errors.js';
import { header, type HttpClient, type HttpResponse } from '../network/http.js';
import { responseTypeField, type ResponseType } from '../config/response-type.js';

export const EXCHANGE_PATH = '/SecureTokenService/ExchangeExternalToken';

export interface ExchangeRequest {
  universeDomain: string;
  audience: string;
  issuerUri: string;
  /** What is sent as jwt_token: the serialized signed GetCallerIdentity request, or with proof aws-jwt the AWS JWT. */
  proof: string;
  /** 'token' adds "response_type": "TOKEN"; 'credential' (the default) sends no response_type. */
  responseType?: ResponseType;
}

const GRPC_CODES: Record<number, string> = {
  1: 'Canceled',
  2: 'Unknown',
  3: 'InvalidArgument',
  4: 'DeadlineExceeded',
  5: 'NotFound',
  6: 'AlreadyExists',
  7: 'PermissionDenied',
  8: 'ResourceExhausted',
  9: 'FailedPrecondition',
  10: 'Aborted',
  11: 'OutOfRange',
  12: 'Unimplemented',
  13: 'Internal',
  14: 'Unavailable',
  15: 'DataLoss',
  16: 'Unauthenticated',
};

/** The JSON body of an exchange call (exchange.test.ts pins it): audience, issuer_uri, jwt_token[, response_type]. */
export function exchangeBody(request: ExchangeRequest): string {
  return JSON.stringify({
    audience: request.audience,
    issuer_uri: request.issuerUri,
    jwt_token: request.proof,
    ...responseTypeField(request.responseType ?? 'credential'),
  });
}

/** Sends one exchange attempt and returns the base64 credential, or throws an {@link AuthError} ({@link HttpFailure} for a refusal). */
export async function sendExchange(
  http: HttpClient,
  request: ExchangeRequest,
  timeoutMs: number,
): Promise<{ base64Credential: string; response: HttpResponse }> {
  const response = await http({
    url: `${request.universeDomain}${EXCHANGE_PATH}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: exchangeBody(request),
    timeoutMs,
  });
  return { base64Credential: parseExchangeResponse(response), response };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads Mondoo's answer. 200 with `base64_credential` → the credential, unchanged. Anything else throws:
 * a 200 without a credential an AuthError (MONDOO_BAD_RESPONSE), any other status an {@link HttpFailure} with
 * Mondoo's message (or a summary of an HTML page). A 200 body is never quoted: it may hold a credential.
 */
export function parseExchangeResponse(response: HttpResponse): string {
  const { status, body } = response;
  if (status === 200) {
    const parsed = tryJson(body);
    if (!isJsonObject(parsed)) {
      const type = header(response, 'content-type') ?? 'no content type';
      throw new AuthError(
        `Mondoo answered HTTP 200, but not with a JSON object (${type}, ${body.length} bytes). Check universe-domain points at the Mondoo API, not a web page or a proxy.`,
        { code: 'MONDOO_BAD_RESPONSE' },
      );
    }
    const credential = parsed['base64_credential'];
    if (typeof credential !== 'string' || credential === '') {
      throw new AuthError(
        `Mondoo answered HTTP 200 without a base64_credential (keys: ${Object.keys(parsed).join(', ') || 'none'}). Check universe-domain points at the Mondoo API.`,
        { code: 'MONDOO_BAD_RESPONSE' },
      );
    }
    return credential;
  }
  throw new HttpFailure(`Mondoo answered HTTP ${status}: ${describeErrorBody(response)}`, response, {
    code: exchangeFailureCode(status),
  });
}

/** 401/403: the identity was refused (explained further by the caller); 429/5xx: Mondoo's trouble; else the request. */
function exchangeFailureCode(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'MONDOO_REJECTED_IDENTITY';
  return isTransientStatus(status) ? 'MONDOO_UNAVAILABLE' : 'MONDOO_EXCHANGE_REFUSED';
}

function describeErrorBody(response: HttpResponse): string {
  const body = response.body;
  const parsed = tryJson(body);
  if (isJsonObject(parsed)) {
    const message = typeof parsed['message'] === 'string' ? parsed['message'] : undefined;
    const code = typeof parsed['code'] === 'number' ? parsed['code'] : undefined;
    const codeName = code === undefined ? undefined : (GRPC_CODES[code] ?? `code ${code}`);
    if (message !== undefined || codeName !== undefined) {
      return `${codeName ?? 'error'}${message ? `: ${truncate(message)}` : ''}`;
    }
  }
  if (body.trim() === '') return 'an empty body';
  if (/<html|<!doctype/i.test(body)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return `an HTML page${title ? ` titled "${truncate(title, 120)}"` : ''}, probably from a proxy or load balancer in front of Mondoo`;
  }
  return truncate(body);
}

/** What the exchange asks Mondoo for: a service-account credential (the default) or a short-lived bearer token. */
export type ResponseType = 'credential' | 'token';
export const RESPONSE_TYPES: readonly ResponseType[] = ['credential', 'token'];

/** The response-type setting, in any letter case; undefined when it is neither. */
export function parseResponseType(value: string): ResponseType | undefined {
  const trimmed = value.trim().toLowerCase();
  return (RESPONSE_TYPES as readonly string[]).includes(trimmed) ? (trimmed as ResponseType) : undefined;
}

/** The `response_type` field of ExchangeExternalTokenRequest: sent only for a token (TOKEN), never by default. */
export function responseTypeField(type: ResponseType): { response_type?: 'TOKEN' } {
  return type === 'token' ? { response_type: 'TOKEN' } : {};
}

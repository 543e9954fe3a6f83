/**
 * Checks for the values a server hands back that end up in outputs, the job summary and log lines: a Mondoo
 * resource name, an API endpoint, an AWS ARN. Each accepts only the characters such a value is made of, so a
 * value that passes can hold no line break, control character, markup or workflow command, and is inert in a
 * shell (`run: echo ${{ steps.mondoo.outputs.api-endpoint }}`): no space, quote, $, `, ;, |, &, (, ), {, }, <, >,
 * *, ?, !, # or backslash, and [ ] only around an IPv6 host (__tests__/unit/safety/server-values.test.ts,
 * __tests__/e2e/shell-inert.test.ts).
 */
import { isLoopbackHost } from './url-input.js';

/** //service.domain/path/segments: letters, digits and . _ - ~ / : @ + = only. */
const MRN = /^\/\/[A-Za-z0-9.-]+(?:\/[A-Za-z0-9._~:@+=-]+)*$/;
/** arn:partition:service:region:account:resource: a 12-digit account, the resource in AWS's ARN alphabet. */
const ARN = /^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[A-Za-z0-9+=,.@:/_-]{1,1024}$/;
/** A DNS label. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** scheme://host[:port][/path]: a DNS name or IPv4 literal, or an IPv6 literal in brackets; a path of A-Z a-z 0-9 . _ ~ / - only. */
const API_ENDPOINT = new RegExp(
  `^(https?)://(${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?(?:/[A-Za-z0-9._~/-]*)?$`,
);
const MAX_LENGTH = 1024;

/** What an ARN may be made of, for messages. */
export const ARN_SHAPE = 'arn:partition:service:region:12-digit account:resource, of A-Z a-z 0-9 + = , . @ : / _ -';
/** What an API endpoint may be, for messages. */
export const API_ENDPOINT_SHAPE = 'https://host[:port] with an optional path of A-Z a-z 0-9 . _ ~ / -';

export function isMrn(value: string): boolean {
  return value.length <= MAX_LENGTH && MRN.test(value);
}

export function isArn(value: string): boolean {
  return value.length <= MAX_LENGTH + 64 && ARN.test(value);
}

/** https://host[:port] with a conservative path (http only to a loopback host); no user, query or fragment. */
export function isApiEndpoint(value: string): boolean {
  const m = value.length <= MAX_LENGTH ? API_ENDPOINT.exec(value) : null;
  if (m === null) return false;
  const [, scheme, host = '', port] = m;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  try {
    new URL(value); // an IPv6 literal that is not one
  } catch {
    return false;
  }
  return scheme === 'https' || isLoopbackHost(host);
}

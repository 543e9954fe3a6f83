/**
 * Checks for the values a server hands back that end up in outputs, the job summary and log lines: a Mondoo
 * resource name, an API endpoint, an AWS ARN. Each accepts only the characters such a value is made of, so a
 * value that passes can hold no line break, control character, markup or workflow command.
 */
import { isLoopbackHost } from './config.js';

/** //service.domain/path/segments: letters, digits and . _ - ~ / : @ + = only. */
const MRN = /^\/\/[A-Za-z0-9.-]+(?:\/[A-Za-z0-9._~:@+=-]+)*$/;
/** arn:partition:service:region:account:resource, the resource in printable ASCII (IAM paths allow any). */
const ARN = /^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[\x21-\x7e]{1,1024}$/;
const MAX_LENGTH = 1024;

export function isMrn(value: string): boolean {
  return value.length <= MAX_LENGTH && MRN.test(value);
}

export function isArn(value: string): boolean {
  return value.length <= MAX_LENGTH + 64 && ARN.test(value) && !value.includes('##[');
}

/** An https URL (http only to a loopback host) of printable ASCII, without user, query or fragment. */
export function isApiEndpoint(value: string): boolean {
  if (value.length > MAX_LENGTH || !/^[\x21-\x7e]+$/.test(value) || /[<>"'`\\#]/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

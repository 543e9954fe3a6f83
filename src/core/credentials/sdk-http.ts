/**
 * The HTTP handler the AWS SDK's STS client gets (role_arn profiles, web_identity_token_file, AWS_ROLE_ARN +
 * token file): every request goes through the tool's own HttpClient, so it has the tool's proxy, certificate
 * and size rules, and each attempt ends by the run's deadline even when STS accepts and then drips bytes or
 * never answers. The SDK's own NodeHttpHandler would only time out an idle socket.
 *
 * - A request to a plain-http host that is not loopback is refused before anything is sent: the endpoint can
 *   come from a profile (endpoint_url, a [services] section), which the tool's STS target check never sees.
 * - No attempt starts at or after the deadline (the SDK's retries included): the refusal is not retryable.
 * - A failure with no answer is marked retryable ($retryable, the SDK's public retry trait), so the SDK's
 *   retry strategy, bounded by maxAttempts, may try again within the deadline.
 *
 * The shape is @smithy/types' HttpHandler: handle(request) resolves { response: { statusCode, headers, body } }.
 */
import { AuthError, NetworkError } from '../safety/errors.js';
import { formatMs, type HttpClient } from '../network/http.js';
import { secretUrlProblem } from '../safety/url-input.js';

/** The parts of @smithy/protocol-http's HttpRequest the handler reads. */
export interface SdkHttpRequest {
  protocol: string;
  hostname: string;
  port?: number;
  method: string;
  path: string;
  query?: Record<string, string | (string | null)[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface SdkHandlerOptions {
  http: HttpClient;
  now: () => number;
  /** The run's deadline (clock ms). */
  deadline: number;
  /** One attempt's limit, never past the deadline. */
  attemptTimeoutMs: number;
  totalMs: number;
  /** Where the endpoint comes from, for the plain-http refusal: "the STS endpoint of profile "x" (…)". */
  endpointSource: () => string;
}

/** The URL of an SDK request, query included (STS's query protocol sends a POST body; a query is kept as given). */
export function sdkRequestUrl(request: SdkHttpRequest): string {
  const port = request.port !== undefined ? `:${request.port}` : '';
  const host =
    request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value === null) params.append(key, '');
    else if (Array.isArray(value)) for (const v of value) params.append(key, v ?? '');
    else params.append(key, value);
  }
  const search = params.toString();
  return `${request.protocol.replace(/:?$/, ':')}//${host}${port}${request.path}${search === '' ? '' : `?${search}`}`;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  throw new AuthError('The AWS SDK sent a streaming request body, which the tool does not send.', {
    code: 'UNEXPECTED',
  });
}

/** An error the SDK's retry strategy may retry (its public `$retryable` trait). */
function retryable(err: NetworkError): NetworkError & { $retryable: object } {
  return Object.assign(err, { $retryable: {} });
}

/** The handler for the SDK clients' `requestHandler`. */
export function sdkHttpHandler(options: SdkHandlerOptions): {
  metadata: { handlerProtocol: string };
  handle(request: SdkHttpRequest): Promise<{ response: SdkHttpResponse }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
} {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request) {
      const url = sdkRequestUrl(request);
      const problem = secretUrlProblem(new URL(url), 'the signed AWS SDK request and the credentials STS answers');
      if (problem !== undefined)
        throw new AuthError(
          `${options.endpointSource()} ${problem} Set endpoint_url (or the sts endpoint_url of its [services] section) to an https:// URL, or remove it to use the regional STS endpoint.`,
          { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
        );
      const remaining = options.deadline - options.now();
      if (remaining <= 0)
        throw new AuthError(
          `The AWS SDK's request to ${new URL(url).host} would start after the overall timeout (timeout-seconds, ${formatMs(options.totalMs)}); not sent.`,
          { code: 'AWS_CREDENTIAL_SOURCE_FAILED' },
        );
      const method = request.method.toUpperCase();
      if (method !== 'GET' && method !== 'POST' && method !== 'PUT')
        throw new AuthError(`The AWS SDK asked for an HTTP ${method} request, which the tool does not send.`, {
          code: 'UNEXPECTED',
        });
      const body = bodyText(request.body);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        // The tool's client sets these itself from the body and the URL.
        if (!['content-length', 'host'].includes(name.toLowerCase())) headers[name] = value;
      }
      let answer;
      try {
        answer = await options.http({
          url,
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs: Math.max(1, Math.min(options.attemptTimeoutMs, remaining)),
        });
      } catch (err) {
        throw err instanceof NetworkError ? retryable(err) : err;
      }
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return {
        response: { statusCode: answer.status, headers: responseHeaders, body: Buffer.from(answer.body, 'utf8') },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

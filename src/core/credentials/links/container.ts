/**
 * Link 4: container credentials (ECS task roles, EKS Pod Identity, CodeBuild), fetched by the tool
 * (container-credentials.ts) so that no endpoint can hold the run past its deadline or fill its memory.
 */
import {
  authorizationToken,
  containerEndpoint,
  describeContainerSource,
  fetchContainerCredentials,
  type ContainerEndpoint,
} from '../container-credentials.js';
import type { ResolvedCredentials } from '../env-credentials.js';
import { AuthError, errorMessage, HttpFailure } from '../../safety/errors.js';
import { createHttpClient } from '../../network/http.js';
import { DEFAULT_RETRY, withRetries } from '../../network/retry.js';
import { handOn, type ChainDeps, type ChainLink } from './chain-link.js';

export const containerLink: ChainLink = {
  id: 'container',
  short: 'container credentials',
  name: 'container credentials',
  where: () => 'container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI, ECS and EKS Pod Identity)',
  sdk: false,
  applies: ({ aws }) => aws.containerRelativeUri !== undefined || aws.containerFullUri !== undefined,
  // A set but unusable endpoint fails here (AWS_CREDENTIAL_SOURCE_FAILED), only if no earlier link answered.
  resolve: ({ aws, deps }) => fromContainer(containerEndpoint(aws)!, deps),
};

/** The container link: the tool's own fetch, retried on network errors and 5xx within the deadline. */
export async function fromContainer(endpoint: ContainerEndpoint, deps: ChainDeps): Promise<ResolvedCredentials> {
  const source = describeContainerSource(endpoint);
  for (const note of endpoint.ignored) deps.log.info(`Container credentials: ignoring ${note}.`);
  const token = authorizationToken(endpoint);
  if (token !== undefined) deps.secret(token);
  const http = deps.directHttp ?? createHttpClient({ https: undefined, http: undefined, noProxy: [] });
  const creds = await withRetries(
    `Container credentials from ${endpoint.variable}`,
    ({ timeoutMs }) => fetchContainerCredentials(http, endpoint, token, timeoutMs, deps.clock.now()),
    {
      policy: { ...DEFAULT_RETRY, maxAttempts: deps.maxAttempts },
      clock: deps.clock,
      deadline: deps.deadline,
      attemptTimeoutMs: deps.attemptTimeoutMs,
      onRetry: (m) => deps.log.warning(m),
    },
  ).catch((err: unknown) => {
    const message = errorMessage(err).replace(/([^.])$/, '$1.');
    const text = `${message}${/before the overall timeout|failed after/.test(message) ? ` The endpoint is ${endpoint.variable}; on ECS or EKS check the agent serving it, elsewhere unset ${endpoint.variable}.` : ''}`;
    throw err instanceof HttpFailure
      ? new HttpFailure(text, err, { code: err.code })
      : new AuthError(text, { code: 'AWS_CREDENTIAL_SOURCE_FAILED', cause: err });
  });
  return handOn(creds, source, deps);
}

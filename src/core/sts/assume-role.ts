/**
 * STS AssumeRole signed with credentials the tool already holds, for a profile with role_arn + credential_source
 * (Ec2InstanceMetadata, EcsContainer, Environment). The AWS SDK would fetch the source credentials with its own
 * IMDS and container clients (no bound on a dripping endpoint, IMDS asked even with AWS_EC2_METADATA_DISABLED);
 * the tool fetches them with its bounded fetchers and signs the AssumeRole itself, to the tool's STS endpoint
 * (AWS_ENDPOINT_URL_STS, else the regional one: checked by the secret-URL rule), through the tool's client.
 *
 * The request is the SDK's: a SigV4-signed form POST (query protocol) with RoleArn, RoleSessionName,
 * DurationSeconds and ExternalId when set.
 */
import { AuthError, HttpFailure, isTransient, truncate } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import { isArn } from '../safety/server-values.js';
import type { AwsCredentials, StsTarget } from '../proof/signing.js';
import { parseStsError, signStsForm, stsErrorCode, type StsRequest } from './sts.js';

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
}

export interface AssumedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  arn: string;
}

/** The form body of AssumeRole, as the SDK sends it. */
export function assumeRoleForm(request: AssumeRoleRequest): string {
  return new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: request.roleArn,
    RoleSessionName: request.sessionName,
    DurationSeconds: String(request.durationSeconds),
    ...(request.externalId !== undefined ? { ExternalId: request.externalId } : {}),
  }).toString();
}

function xmlField(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] || undefined;
}

/**
 * Signs the AssumeRole POST at `now` with the tool's one signer (signStsForm). Signed headers:
 * content-length;content-type;host;x-amz-date, plus x-amz-security-token for temporary credentials (no
 * x-amz-content-sha256, as for the other STS requests). Pinned with aws4 by __tests__/unit/sts/assume-role.test.ts.
 */
export function signAssumeRoleRequest(
  source: AwsCredentials,
  request: AssumeRoleRequest,
  target: StsTarget,
  now: Date,
): Promise<StsRequest> {
  return signStsForm(source, target, now, assumeRoleForm(request));
}

/** One AssumeRole attempt. Network failures are NetworkError; a 5xx or throttling answer is transient. */
export async function assumeRole(
  http: HttpClient,
  source: AwsCredentials,
  request: AssumeRoleRequest,
  target: StsTarget,
  now: Date,
  timeoutMs: number,
): Promise<AssumedCredentials> {
  const signed = await signAssumeRoleRequest(source, request, target, now);
  const response = await http({
    url: signed.url,
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
    timeoutMs,
  });
  const what = `STS AssumeRole for ${request.roleArn}`;
  if (response.status !== 200) {
    const error = parseStsError(response.body);
    const failure = new HttpFailure(
      `${what} failed: ${error ? `${error.code}: ${truncate(error.message)}` : `HTTP ${response.status}`}`,
      response,
      { code: 'STS_FAILED', throttled: stsErrorCode(error?.code ?? '') === 'Throttling' },
    );
    if (isTransient(failure)) throw failure;
    throw new HttpFailure(failure.message, response, { code: 'STS_ASSUME_ROLE_REFUSED' });
  }
  const accessKeyId = xmlField(response.body, 'AccessKeyId');
  const secretAccessKey = xmlField(response.body, 'SecretAccessKey');
  const sessionToken = xmlField(response.body, 'SessionToken');
  const arn = xmlField(response.body, 'Arn');
  if (
    accessKeyId === undefined ||
    secretAccessKey === undefined ||
    sessionToken === undefined ||
    arn === undefined ||
    !isArn(arn)
  )
    throw new AuthError(`${what} answered without credentials and an assumed-role Arn.`, { code: 'STS_FAILED' });
  return { accessKeyId, secretAccessKey, sessionToken, arn };
}

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
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthError, HttpFailure, isTransient, truncate } from '../safety/errors.js';
import type { HttpClient } from '../network/http.js';
import { isArn } from '../safety/server-values.js';
import { NodeSha256, type AwsCredentials, type StsTarget } from '../proof/signing.js';
import { parseStsError, stsErrorCode } from './sts.js';

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

/** One AssumeRole attempt. Network failures are NetworkError; a 5xx or throttling answer is transient. */
export async function assumeRole(
  http: HttpClient,
  source: AwsCredentials,
  request: AssumeRoleRequest,
  target: StsTarget,
  now: Date,
  timeoutMs: number,
): Promise<AssumedCredentials> {
  const url = new URL(`${target.endpoint}/`);
  const body = assumeRoleForm(request);
  const signer = new SignatureV4({
    service: 'sts',
    region: target.region,
    credentials: {
      accessKeyId: source.accessKeyId,
      secretAccessKey: source.secretAccessKey,
      ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
    },
    sha256: NodeSha256,
    uriEscapePath: true,
  });
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: { host: url.host, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) },
      body,
    },
    { signingDate: now },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers as Record<string, string>)) {
    if (name !== 'host' && name !== 'content-length') headers[name] = value;
  }
  const response = await http({ url: url.href, method: 'POST', headers: { ...headers, accept: 'text/xml' }, body, timeoutMs });
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
  if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined || arn === undefined || !isArn(arn))
    throw new AuthError(`${what} answered without credentials and an assumed-role Arn.`, { code: 'STS_FAILED' });
  return { accessKeyId, secretAccessKey, sessionToken, arn };
}

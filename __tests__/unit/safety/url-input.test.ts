/**
 * The one rule for a URL that will carry a secret (acceptSecretUrl), at each of its four sites: the Mondoo API
 * (universe-domain), the tool's STS endpoint (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL), the runner's OIDC token
 * URL (ACTIONS_ID_TOKEN_REQUEST_URL), the proxy (HTTPS_PROXY / HTTP_PROXY), and the two credential sources whose
 * URL the environment names (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_EC2_METADATA_SERVICE_ENDPOINT). The exact
 * message of each refusal, the setting or error code it is filed under, and the deliberate differences: a proxy
 * may be plain http anywhere, the container and metadata agents' own link-local hosts may be plain http.
 */
import { describe, expect, it } from '@jest/globals';
import { normalizeUniverseDomain, readStsEndpoint } from '../../../src/core/config/config.js';
import { readCiEnvironment } from '../../../src/core/ci-tokens/ci-environment.js';
import { gitHubTokenSource } from '../../../src/core/ci-tokens/token-source.js';
import type { HttpClient } from '../../../src/core/network/http.js';
import { readProxySettings } from '../../../src/core/network/proxy.js';
import { containerEndpoint } from '../../../src/core/credentials/container-credentials.js';
import { imdsSettings } from '../../../src/core/credentials/instance-metadata.js';
import { readAwsEnvironment } from '../../../src/core/credentials/aws-environment.js';
import { AuthError, ConfigError } from '../../../src/core/safety/errors.js';
import { stsTargetFor } from '../../../src/core/sts/sts.js';

const unusedHttp: HttpClient = () => Promise.reject(new Error('no request may be sent'));
const CONTROL =
  'contains a control character or an invisible one (such as a tab, a line break or a zero-width space). Remove it: a URL is taken exactly as given, never with characters dropped.';
const LOOPBACK_ONLY = 'Use https:// (plain http is accepted only for a loopback host).';
const MONDOO_FIX = 'Use the API URL Mondoo shows for the identity provider, for example https://us.api.mondoo.com.';
const STS_FIX = 'Set it to an STS endpoint such as https://sts.us-east-1.amazonaws.com, or unset it.';
const RUNNER_FIX = 'It is set by the GitHub runner; check that no step overwrites it.';
const CONTAINER_FIX =
  'Set it to the container credentials endpoint (EKS Pod Identity: http://169.254.170.23/v1/credentials) or unset it.';
const IMDS_FIX = 'Unset it (the default is http://169.254.169.254) or set it to the metadata endpoint.';
const PROXY_FIX =
  'Use the form http://proxy.example.com:3128 (credentials, if any, as http://user:password@host:port).';

const sites = {
  'universe-domain': (value: string) => normalizeUniverseDomain(value),
  AWS_ENDPOINT_URL_STS: (value: string) =>
    stsTargetFor('us-east-1', readStsEndpoint({ AWS_ENDPOINT_URL_STS: value })).endpoint,
  ACTIONS_ID_TOKEN_REQUEST_URL: (value: string) =>
    gitHubTokenSource(
      readCiEnvironment({ ACTIONS_ID_TOKEN_REQUEST_URL: value, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }).variables,
      'aud',
      unusedHttp,
    ).name,
  HTTPS_PROXY: (value: string) => readProxySettings({ HTTPS_PROXY: value }).https?.href,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: (value: string) =>
    containerEndpoint(readAwsEnvironment({ AWS_CONTAINER_CREDENTIALS_FULL_URI: value }))?.url.href,
  AWS_EC2_METADATA_SERVICE_ENDPOINT: (value: string) =>
    imdsSettings(readAwsEnvironment({ AWS_EC2_METADATA_SERVICE_ENDPOINT: value }), undefined).endpoint,
};

function refusal(site: keyof typeof sites, value: string): { input: string; message: string } {
  try {
    sites[site](value);
  } catch (err) {
    if (err instanceof ConfigError) return { input: err.input, message: err.message };
    if (err instanceof AuthError) return { input: err.code, message: err.message };
    throw err;
  }
  throw new Error(`${site} accepted ${JSON.stringify(value)}`);
}

describe('acceptSecretUrl: each site, each refusal, the exact message', () => {
  it.each<[keyof typeof sites, string, string, string]>([
    ['universe-domain', 'https://us.api\tmondoo.com', 'universe-domain', `input "universe-domain" ${CONTROL}`],
    [
      'universe-domain',
      'https://',
      'universe-domain',
      `input "universe-domain" "https://" is not a URL. ${MONDOO_FIX}`,
    ],
    [
      'universe-domain',
      'ftp://us.api.mondoo.com',
      'universe-domain',
      `input "universe-domain" "ftp://us.api.mondoo.com" uses ftp://, which is not supported: it must be an https:// URL. ${MONDOO_FIX}`,
    ],
    [
      'universe-domain',
      'http://user:pw@us.api.mondoo.com',
      'universe-domain',
      `input "universe-domain" "http://***@us.api.mondoo.com" uses plain http to us.api.mondoo.com, which would send your AWS identity proof unencrypted. ${LOOPBACK_ONLY}`,
    ],
    [
      'AWS_ENDPOINT_URL_STS',
      'https://sts\u2028.example.com',
      'aws-region',
      `environment variable AWS_ENDPOINT_URL_STS ${CONTROL}`,
    ],
    [
      'AWS_ENDPOINT_URL_STS',
      'sts.example.com',
      'aws-region',
      `environment variable AWS_ENDPOINT_URL_STS is not a URL. ${STS_FIX}`,
    ],
    [
      'AWS_ENDPOINT_URL_STS',
      'ftp://sts.example.com',
      'aws-region',
      `environment variable AWS_ENDPOINT_URL_STS uses ftp://, which is not supported: it must be an https:// URL. ${STS_FIX}`,
    ],
    [
      'AWS_ENDPOINT_URL_STS',
      'http://sts.example.com',
      'aws-region',
      `environment variable AWS_ENDPOINT_URL_STS uses plain http to sts.example.com, which would send the web identity token and signed requests unencrypted. ${LOOPBACK_ONLY}`,
    ],
    [
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'https://token\u0085.example/x',
      'role-to-assume',
      `ACTIONS_ID_TOKEN_REQUEST_URL ${CONTROL}`,
    ],
    [
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'token.example/x',
      'role-to-assume',
      `ACTIONS_ID_TOKEN_REQUEST_URL is not a URL. ${RUNNER_FIX}`,
    ],
    [
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'file:///etc/passwd',
      'role-to-assume',
      `ACTIONS_ID_TOKEN_REQUEST_URL uses file://, which is not supported: it must be an https:// URL. ${RUNNER_FIX}`,
    ],
    [
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'http://token.example.com/idtoken',
      'role-to-assume',
      `ACTIONS_ID_TOKEN_REQUEST_URL uses plain http to token.example.com, which would send the runner's token request token unencrypted. ${LOOPBACK_ONLY}`,
    ],
    ['HTTPS_PROXY', 'http://proxy\n.internal:3128', 'proxy', `HTTPS_PROXY ${CONTROL}`],
    ['HTTPS_PROXY', 'http://ci:s3cret#pw@127.0.0.1:3128', 'proxy', `HTTPS_PROXY is not a URL. ${PROXY_FIX}`],
    [
      'HTTPS_PROXY',
      'socks5://proxy.internal:1080',
      'proxy',
      `HTTPS_PROXY uses socks5://, which is not supported: it must be an http:// or https:// URL. ${PROXY_FIX}`,
    ],
    [
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'http://127.0.0.1/\ncreds',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      `AWS_CONTAINER_CREDENTIALS_FULL_URI ${CONTROL}`,
    ],
    [
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'not a url',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      `AWS_CONTAINER_CREDENTIALS_FULL_URI "not a url" is not a URL. ${CONTAINER_FIX}`,
    ],
    [
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'ftp://127.0.0.1/creds',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      `AWS_CONTAINER_CREDENTIALS_FULL_URI "ftp://127.0.0.1/creds" uses ftp://, which is not supported: it must be an http:// or https:// URL. ${CONTAINER_FIX}`,
    ],
    [
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'http://192.0.2.10/v1/credentials?token=abc#x',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI "http://192.0.2.10/v1/credentials" uses plain http to 192.0.2.10, which would send the authorization token and the credentials unencrypted. Use https, a loopback address, 169.254.170.2 (ECS) or 169.254.170.23 / [fd00:ec2::23] (EKS Pod Identity), as the AWS SDK requires.',
    ],
    [
      'AWS_EC2_METADATA_SERVICE_ENDPOINT',
      'http://169.254.169.254\u200b',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      `AWS_EC2_METADATA_SERVICE_ENDPOINT ${CONTROL}`,
    ],
    [
      'AWS_EC2_METADATA_SERVICE_ENDPOINT',
      '169.254.169.254',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      `AWS_EC2_METADATA_SERVICE_ENDPOINT "169.254.169.254" is not a URL. ${IMDS_FIX}`,
    ],
    [
      'AWS_EC2_METADATA_SERVICE_ENDPOINT',
      'http://user:pw@imds.example.invalid',
      'AWS_CREDENTIAL_SOURCE_FAILED',
      'AWS_EC2_METADATA_SERVICE_ENDPOINT "http://***@imds.example.invalid" uses plain http to imds.example.invalid, which would send the IMDS session token and the instance role credentials unencrypted. Use https, a loopback address, or the instance metadata service (http://169.254.169.254, http://[fd00:ec2::254]).',
    ],
  ])('%s %j', (site, value, input, message) => {
    expect(refusal(site, value)).toEqual({ input, message });
  });

  it('plain http to a loopback host is accepted at every site', () => {
    expect(sites['universe-domain']('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(sites.AWS_ENDPOINT_URL_STS('http://localhost:4566/')).toBe('http://localhost:4566');
    expect(sites.ACTIONS_ID_TOKEN_REQUEST_URL('http://[::1]:8080/idtoken')).toBe('GitHub Actions OIDC');
    expect(sites.HTTPS_PROXY('http://127.0.0.1:3128')).toBe('http://127.0.0.1:3128/');
    expect(sites.AWS_CONTAINER_CREDENTIALS_FULL_URI('http://127.0.0.1:51679/creds')).toBe(
      'http://127.0.0.1:51679/creds',
    );
    expect(sites.AWS_EC2_METADATA_SERVICE_ENDPOINT('http://127.0.0.1:8111/')).toBe('http://127.0.0.1:8111');
  });

  it("the agents' own hosts: plain http to the container agents and the metadata service, and only there", () => {
    expect(sites.AWS_CONTAINER_CREDENTIALS_FULL_URI('http://169.254.170.23/v1/credentials')).toBe(
      'http://169.254.170.23/v1/credentials',
    );
    expect(sites.AWS_EC2_METADATA_SERVICE_ENDPOINT('http://[fd00:ec2::254]')).toBe('http://[fd00:ec2::254]');
    expect(refusal('AWS_CONTAINER_CREDENTIALS_FULL_URI', 'http://169.254.169.254/x').message).toMatch(
      /uses plain http to 169\.254\.169\.254/,
    );
    expect(refusal('AWS_EC2_METADATA_SERVICE_ENDPOINT', 'http://169.254.170.2').message).toMatch(
      /uses plain http to 169\.254\.170\.2/,
    );
  });

  it('the scheme assumed without one: https for the Mondoo API, http for a proxy, none for the others', () => {
    expect(sites['universe-domain']('us.api.mondoo.com')).toBe('https://us.api.mondoo.com');
    expect(sites.HTTPS_PROXY('proxy.corp.example:3128')).toBe('http://proxy.corp.example:3128/');
  });

  it("the proxy's deliberate difference: plain http to a proxy that is not loopback is accepted (the tunnel carries TLS)", () => {
    expect(sites.HTTPS_PROXY('http://user:pw@proxy.corp.example:3128')).toBe('http://user:pw@proxy.corp.example:3128/');
  });
});

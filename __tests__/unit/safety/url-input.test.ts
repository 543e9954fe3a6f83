/**
 * The one rule for a URL that will carry a secret (acceptSecretUrl), at each of its four sites: the Mondoo API
 * (universe-domain), the tool's STS endpoint (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL), the runner's OIDC token
 * URL (ACTIONS_ID_TOKEN_REQUEST_URL) and the proxy (HTTPS_PROXY / HTTP_PROXY). The exact message of each refusal,
 * the setting it is filed under, and the proxy's one deliberate difference: plain http to any host.
 */
import { describe, expect, it } from '@jest/globals';
import { normalizeUniverseDomain } from '../../../src/core/config/config.js';
import { gitHubTokenSource } from '../../../src/core/ci-tokens/token-source.js';
import type { HttpClient } from '../../../src/core/network/http.js';
import { readProxySettings } from '../../../src/core/network/proxy.js';
import { ConfigError } from '../../../src/core/safety/errors.js';
import { stsTargetFor } from '../../../src/core/sts/sts.js';

const unusedHttp: HttpClient = () => Promise.reject(new Error('no request may be sent'));
const CONTROL =
  'contains a control character or an invisible one (such as a tab, a line break or a zero-width space). Remove it: a URL is taken exactly as given, never with characters dropped.';
const LOOPBACK_ONLY = 'Use https:// (plain http is accepted only for a loopback host).';
const MONDOO_FIX = 'Use the API URL Mondoo shows for the identity provider, for example https://us.api.mondoo.com.';
const STS_FIX = 'Set it to an STS endpoint such as https://sts.us-east-1.amazonaws.com, or unset it.';
const RUNNER_FIX = 'It is set by the GitHub runner; check that no step overwrites it.';
const PROXY_FIX = 'Use the form http://proxy.example.com:3128 (credentials, if any, as http://user:password@host:port).';

const sites = {
  'universe-domain': (value: string) => normalizeUniverseDomain(value),
  AWS_ENDPOINT_URL_STS: (value: string) => stsTargetFor('us-east-1', { AWS_ENDPOINT_URL_STS: value }).endpoint,
  ACTIONS_ID_TOKEN_REQUEST_URL: (value: string) =>
    gitHubTokenSource({ ACTIONS_ID_TOKEN_REQUEST_URL: value, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }, 'aud', unusedHttp).name,
  HTTPS_PROXY: (value: string) => readProxySettings({ HTTPS_PROXY: value }).https?.href,
};

function refusal(site: keyof typeof sites, value: string): { input: string; message: string } {
  try {
    sites[site](value);
  } catch (err) {
    if (err instanceof ConfigError) return { input: err.input, message: err.message };
    throw err;
  }
  throw new Error(`${site} accepted ${JSON.stringify(value)}`);
}

describe('acceptSecretUrl: each site, each refusal, the exact message', () => {
  it.each<[keyof typeof sites, string, string, string]>([
    ['universe-domain', 'https://us.api\tmondoo.com', 'universe-domain', `input "universe-domain" ${CONTROL}`],
    ['universe-domain', 'https://', 'universe-domain', `input "universe-domain" "https://" is not a URL. ${MONDOO_FIX}`],
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
    ['AWS_ENDPOINT_URL_STS', 'https://sts\u2028.example.com', 'aws-region', `environment variable AWS_ENDPOINT_URL_STS ${CONTROL}`],
    ['AWS_ENDPOINT_URL_STS', 'sts.example.com', 'aws-region', `environment variable AWS_ENDPOINT_URL_STS is not a URL. ${STS_FIX}`],
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
    ['ACTIONS_ID_TOKEN_REQUEST_URL', 'https://token\u0085.example/x', 'role-to-assume', `ACTIONS_ID_TOKEN_REQUEST_URL ${CONTROL}`],
    ['ACTIONS_ID_TOKEN_REQUEST_URL', 'token.example/x', 'role-to-assume', `ACTIONS_ID_TOKEN_REQUEST_URL is not a URL. ${RUNNER_FIX}`],
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
  ])('%s %j', (site, value, input, message) => {
    expect(refusal(site, value)).toEqual({ input, message });
  });

  it('plain http to a loopback host is accepted at every site', () => {
    expect(sites['universe-domain']('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(sites.AWS_ENDPOINT_URL_STS('http://localhost:4566/')).toBe('http://localhost:4566');
    expect(sites.ACTIONS_ID_TOKEN_REQUEST_URL('http://[::1]:8080/idtoken')).toBe('GitHub Actions OIDC');
    expect(sites.HTTPS_PROXY('http://127.0.0.1:3128')).toBe('http://127.0.0.1:3128/');
  });

  it('the scheme assumed without one: https for the Mondoo API, http for a proxy, none for the others', () => {
    expect(sites['universe-domain']('us.api.mondoo.com')).toBe('https://us.api.mondoo.com');
    expect(sites.HTTPS_PROXY('proxy.corp.example:3128')).toBe('http://proxy.corp.example:3128/');
  });

  it("the proxy's deliberate difference: plain http to a proxy that is not loopback is accepted (the tunnel carries TLS)", () => {
    expect(sites.HTTPS_PROXY('http://user:pw@proxy.corp.example:3128')).toBe('http://user:pw@proxy.corp.example:3128/');
  });
});

/**
 * What the Action adapter writes to the job summary, byte for byte. (Workflow commands, outputs and file
 * commands are @actions/core's own; the e2e tests read them back as the runner would.)
 */
import { describe, expect, it } from '@jest/globals';
import { jobSummary } from '../../src/action.js';
import type { AuthResult } from '../../src/core/authenticate.js';
import { parseConfig } from '../../src/core/config/settings.js';

const credential = {
  kind: 'credential' as const,
  mrn: '//agents.api.mondoo.app/spaces/s1/serviceaccounts/sa1',
  spaceMrn: '//captain.api.mondoo.app/spaces/s1',
  apiEndpoint: 'https://us.api.mondoo.com',
};
const result = (identity: AuthResult['identity'], spaceMrn = credential.spaceMrn): AuthResult => ({
  base64Credential: 'c2VjcmV0',
  credential: { ...credential, spaceMrn },
  identity,
});
const config = (exportEnv: string) => parseConfig({ audience: 'aud', 'export-env': exportEnv }, {});

describe('job summary', () => {
  it('is a heading, a four-row table and where the credential went, with no secret in it', () => {
    const text = jobSummary(
      config('true'),
      result({ arn: 'arn:aws:iam::123456789012:user/ci', accountId: '123456789012' }),
    );
    expect(text).toBe(
      '<h3>Mondoo AWS authentication</h3>\n' +
        '<table><tr><th>Item</th><th>Value</th></tr>' +
        '<tr><td>AWS identity</td><td><code>arn:aws:iam::123456789012:user/ci</code></td></tr>' +
        '<tr><td>Mondoo scope</td><td><code>//captain.api.mondoo.app/spaces/s1</code></td></tr>' +
        '<tr><td>Service account</td><td><code>//agents.api.mondoo.app/spaces/s1/serviceaccounts/sa1</code></td></tr>' +
        '<tr><td>API endpoint</td><td><code>https://us.api.mondoo.com</code></td></tr></table>\n' +
        '<p>The credential is available to later steps as <code>MONDOO_CONFIG_BASE64</code>.</p>\n',
    );
    expect(text).not.toContain('c2VjcmV0');
    expect(text).not.toContain('secret');
  });

  it('says when the identity is unknown, the scope is the organization, and the credential is only an output', () => {
    const text = jobSummary(config('false'), result(undefined, ''));
    expect(text).toContain('<tr><td>AWS identity</td><td><code>(not determined)</code></td></tr>');
    expect(text).toContain('<tr><td>Mondoo scope</td><td><code>(organization or platform)</code></td></tr>');
    expect(text).toContain('<p>The credential is available as the <code>base64-credential</code> output.</p>\n');
  });

  it('escapes HTML in values (an ARN path may hold any printable character)', () => {
    const text = jobSummary(
      config('true'),
      result({ arn: 'arn:aws:iam::123456789012:user/<b>&"x"', accountId: '123456789012' }),
    );
    expect(text).toContain('<code>arn:aws:iam::123456789012:user/&lt;b&gt;&amp;&quot;x&quot;</code>');
  });
});

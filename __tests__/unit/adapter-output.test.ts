/**
 * What the adapters write, byte for byte: the job summary, the workflow-command lines (the same bytes
 * @actions/core's issueCommand writes), and the synchronous stdout/stderr writer with its EAGAIN fallback.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { EOL, tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCommand } from '../../node_modules/@actions/core/lib/command.js';
import { jobSummary } from '../../src/action.js';
import { commandLine, setOutput, setOutputs } from '../../src/actions-core.js';
import type { AuthResult } from '../../src/core/authenticate.js';
import { parseConfig } from '../../src/core/config.js';
import { createFdWriter } from '../../src/stdio.js';

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
    const text = jobSummary(config('true'), result({ arn: 'arn:aws:iam::123456789012:user/ci', accountId: '123456789012' }));
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
    const text = jobSummary(config('true'), result({ arn: 'arn:aws:iam::123456789012:user/<b>&"x"', accountId: '123456789012' }));
    expect(text).toContain('<code>arn:aws:iam::123456789012:user/&lt;b&gt;&amp;&quot;x&quot;</code>');
  });
});

describe('workflow command lines', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([
    ['add-mask', 'plain'],
    ['add-mask', '-----BEGIN PRIVATE KEY-----\nline\r\n-----END PRIVATE KEY-----'],
    ['warning', '100% done: a::b, c'],
    ['error', 'Invalid configuration: input "audience" is required.\nSecond line'],
    ['debug', '%0A already escaped? %25'],
  ])('%s %j is written exactly as @actions/core writes it', (command, message) => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    issueCommand(command, {}, message);
    expect(commandLine(command, message)).toBe(written.join(''));
    expect(commandLine(command, message).endsWith(EOL)).toBe(true);
  });
});

describe('outputs', () => {
  it('setOutputs writes GITHUB_OUTPUT exactly as one setOutput per output would, in one write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mondoo-outputs-'));
    const outputs = [['base64-credential', 'eyJ4Ijoi\nIn0='], ['aws-arn', 'arn:aws:iam::123456789012:user/ci'], ['scope-mrn', '']] as const;
    const saved = process.env['GITHUB_OUTPUT'];
    const write = (file: string, how: () => void): string => {
      writeFileSync(file, '');
      process.env['GITHUB_OUTPUT'] = file;
      how();
      // Each value gets its own random heredoc delimiter.
      return readFileSync(file, 'utf8').replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_X');
    };
    try {
      const batched = write(join(dir, 'batched'), () => setOutputs(outputs));
      const oneByOne = write(join(dir, 'one-by-one'), () => {
        for (const [name, value] of outputs) setOutput(name, value);
      });
      expect(batched).toBe(oneByOne);
      expect(batched).toBe(['base64-credential<<ghadelimiter_X', 'eyJ4Ijoi', 'In0=', 'ghadelimiter_X', 'aws-arn<<ghadelimiter_X', 'arn:aws:iam::123456789012:user/ci', 'ghadelimiter_X', 'scope-mrn<<ghadelimiter_X', '', 'ghadelimiter_X', ''].join(EOL));
    } finally {
      if (saved === undefined) delete process.env['GITHUB_OUTPUT'];
      else process.env['GITHUB_OUTPUT'] = saved;
    }
  });
});

describe('synchronous stdout/stderr writer', () => {
  const errno = (code: string): Error => Object.assign(new Error(code), { code });

  it('writes each text with write(2) until every byte is out, without creating the stream', () => {
    const chunks: string[] = [];
    const stream = jest.fn(() => ({ write: () => true }));
    // A descriptor that takes at most 3 bytes per call.
    const write = createFdWriter(1, {
      writeSync: (_fd, buffer, offset) => {
        const n = Math.min(3, buffer.length - offset);
        chunks.push(Buffer.from(buffer.subarray(offset, offset + n)).toString('utf8'));
        return n;
      },
      stream,
    });
    write('::add-mask::abc\n');
    write('ünïcode\n');
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c, 'utf8'))).toString('utf8')).toBe('::add-mask::abc\nünïcode\n');
    expect(stream).not.toHaveBeenCalled();
  });

  it('on EAGAIN hands the rest, and every later text, to the stream, in order', () => {
    const direct: Buffer[] = [];
    const streamed: string[] = [];
    let calls = 0;
    const write = createFdWriter(2, {
      writeSync: (_fd, buffer, offset) => {
        calls++;
        if (calls === 2) throw errno('EAGAIN');
        direct.push(Buffer.from(buffer.subarray(offset, offset + 4)));
        return 4;
      },
      stream: () => ({ write: (chunk: Uint8Array | string) => streamed.push(Buffer.from(chunk).toString('utf8')) }),
    });
    write('first line\n');
    write('second\n');
    expect(Buffer.concat(direct).toString('utf8') + streamed.join('')).toBe('first line\nsecond\n');
    expect(streamed).toEqual(['t line\n', 'second\n']);
    expect(calls).toBe(2);
  });

  it('lets any other write error through', () => {
    const write = createFdWriter(1, { writeSync: () => { throw errno('EPIPE'); }, stream: () => ({ write: () => true }) });
    expect(() => write('x\n')).toThrow('EPIPE');
  });
});

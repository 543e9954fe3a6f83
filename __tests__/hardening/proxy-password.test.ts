/**
 * Proxy credentials with a literal `%` (as people paste them into HTTPS_PROXY): decoded as curl decodes them,
 * so the proxy gets the password the user typed; a proxy URL that cannot be parsed at all is a configuration
 * error (exit 2) that does not echo the password.
 */
import { describe, expect, it } from '@jest/globals';
import { percentDecode, proxyAuthorization, proxySecrets, readProxySettings } from '../../src/core/network/proxy.js';
import { runIn, startWorld } from './world.js';

const basic = (userPass: string | Buffer): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('proxy user and password decoding', () => {
  it.each<[string, string]>([
    ['50%off', '50%off'],
    ['100%', '100%'],
    ['%zz%4', '%zz%4'],
    ['p%40ss%3Aw0rd', 'p@ss:w0rd'],
    ['%25', '%'],
    ['%2541', '%41'],
    ['%C3%A4%', 'ä%'],
  ])('%j is the password %j', (raw, password) => {
    expect(percentDecode(raw).toString('utf8')).toBe(password);
  });

  it('keeps bytes that are not UTF-8 as they are (Basic authentication is over bytes)', () => {
    expect(percentDecode('%FF%00x')).toEqual(Buffer.from([0xff, 0x00, 0x78]));
  });

  it('sends the literal password to the proxy, and masks it', () => {
    const settings = readProxySettings({ HTTPS_PROXY: 'http://ci:50%off%@proxy.internal:3128' });
    expect(settings.https?.password).toBe('50%off%');
    expect(proxyAuthorization(settings.https!)).toBe(basic('ci:50%off%'));
    expect(proxySecrets(settings)).toEqual(
      expect.arrayContaining(['50%off%', 'http://ci:50%off%@proxy.internal:3128']),
    );
    expect(proxyAuthorization(new URL('http://proxy.internal:3128'))).toBeUndefined();
  });
});

describe('the CLI behind a proxy whose password has a literal %', () => {
  it('authenticates through the proxy with that password and prints none of it', async () => {
    const password = 'pr0xy%pw%';
    const world = await startWorld({ proxy: { user: 'ci', password } });
    try {
      const port = new URL(world.proxy!.url).port;
      const r = await runIn(world, 'cli', 'env-long', {
        env: { HTTPS_PROXY: `http://ci:${password}@127.0.0.1:${port}` },
      });
      expect(r.error).toBe('');
      expect(r.code).toBe(0);
      expect(world.proxy!.requests.length).toBeGreaterThan(0);
      expect(
        world.proxy!.requests.every((p) => p.proxyAuthorization === basic(`ci:${password}`) && p.status === 200),
      ).toBe(true);
      expect(`${r.stdout}\n${r.stderr}`).not.toContain(password);
    } finally {
      await world.close();
    }
  });

  it('exits 2 before any request when the proxy URL cannot be parsed, without echoing the password', async () => {
    const world = await startWorld({ proxy: { user: 'ci', password: 'unused' } });
    try {
      const port = new URL(world.proxy!.url).port;
      const r = await runIn(world, 'cli', 'env-long', {
        env: { HTTPS_PROXY: `http://ci:s3cret#pw@127.0.0.1:${port}` },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/HTTPS_PROXY is not a URL\. Use the form http:\/\/proxy\.example\.com:3128/);
      expect(r.stderr).not.toContain('s3cret');
      expect(world.proxy!.requests).toEqual([]);
      expect(world.sims.sts.requests).toEqual([]);
      expect(world.sims.mondoo.requests).toEqual([]);
    } finally {
      await world.close();
    }
  });
});

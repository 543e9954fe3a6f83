/**
 * No attempt of a run used a stale signature or token (shared by the in-process and the end-to-end scenario
 * suites).
 */
import { expect } from '@jest/globals';
import type { World } from './world.js';

/** The X-Amz-Date of a serialized signed request, in ms. */
function signedAt(jwtToken: string): number {
  const headers = (JSON.parse(jwtToken) as { headers: { key: string; value: string }[] }).headers;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
    headers.find((h) => h.key === 'X-Amz-Date')?.value ?? '',
  );
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : Number.NaN;
}

/** How far STS lets X-Amz-Date be from its clock. */
const STS_WINDOW_MS = 15 * 60_000;

/**
 * No attempt was made with a signature or token older than the server accepts: every exchange attempt was
 * signed afresh (by this machine's clock, or by the server's once corrected) and, unless it was refused for
 * its time (which the tool then corrects), inside the window STS accepts; every AssumeRoleWithWebIdentity
 * attempt carried a token minted for it; with proof aws-jwt, every exchange carried an unexpired JWT STS minted.
 */
export function expectFreshAttempts(w: World): void {
  const signatures = new Set<string>();
  for (const q of w.sims.mondoo.requests) {
    if (q.jwtToken === undefined) continue;
    // proof aws-jwt: the AWS JWT, unexpired when it was sent, and minted by STS for this run.
    if (!q.jwtToken.startsWith('{')) {
      expect(w.sims.sts.webIdentityTokens).toContain(q.jwtToken);
      const claims = JSON.parse(Buffer.from(q.jwtToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        exp: number;
      };
      expect(claims.exp * 1000).toBeGreaterThan(q.time);
      continue;
    }
    const signature = /Signature=([0-9a-f]{64})/.exec(q.jwtToken)?.[1] ?? '';
    expect(signatures.has(signature)).toBe(false);
    signatures.add(signature);
    const at = signedAt(q.jwtToken);
    const serverNow = q.time + w.sims.sts.clockOffsetMs;
    expect(Math.min(Math.abs(at - q.time), Math.abs(at - serverNow))).toBeLessThan(60_000);
    const refusedForTime =
      q.result?.status === 401 && /Signature (expired|not yet current)/.test(q.result.message ?? '');
    if (!refusedForTime) expect(Math.abs(at - serverNow)).toBeLessThan(STS_WINDOW_MS);
  }
  const tokens = new Set<string>();
  for (const q of w.sims.sts.requests.filter((r) => r.action === 'AssumeRoleWithWebIdentity')) {
    const token = new URLSearchParams(q.body).get('WebIdentityToken') ?? '';
    expect(tokens.has(token)).toBe(false);
    tokens.add(token);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iat: number;
      exp: number;
    };
    expect(Math.abs(claims.iat * 1000 - q.time)).toBeLessThan(60_000);
    expect(claims.exp * 1000).toBeGreaterThan(q.time);
  }
}

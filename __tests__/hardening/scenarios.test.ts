/**
 * Every scenario (scenarios.ts) that needs no socket, run in process against authenticate() through the Deps
 * seam, as the Action drives it, with the simulators' request handlers behind an in-memory HTTP client: what
 * each must do, that no attempt used a stale signature or token, and the secret scan of everything it logged.
 * The scenarios that need sockets, and one run per way to authenticate per artifact, run end to end in
 * __tests__/e2e/scenarios.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { expectFreshAttempts } from './freshness.js';
import { runInProcess } from './in-process.js';
import { expectedCode, SCENARIOS } from './scenarios.js';
import { expectNoSecretsLeaked, startWorld } from './world.js';

describe('every scenario, in process through the Deps seam, then the secret scan', () => {
  it.concurrent.each(SCENARIOS.filter((s) => s.endToEnd !== 'only').map((s) => [s.name, s] as const))('%s', async (_, scenario) => {
    const world = await startWorld({ ...scenario.world, inMemory: true });
    try {
      const env = scenario.prepare?.(world) ?? {};
      const inputs = typeof scenario.inputs === 'function' ? scenario.inputs(world) : (scenario.inputs ?? {});
      const run = await runInProcess(world, scenario.mode, { inputs, env });
      expect({ code: run.code, error: run.error.slice(0, 600) }).toEqual({ code: expectedCode(scenario, 'core'), error: expect.any(String) });
      scenario.check?.(run, world);
      expectFreshAttempts(world);
      expectNoSecretsLeaked(run, world);
    } finally {
      await world.close();
    }
  }, 30_000);
});

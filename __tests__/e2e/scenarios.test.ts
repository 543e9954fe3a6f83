/**
 * The scenarios that need the real thing, run by the built Action and the built CLI (and the CLI inside a
 * GitHub Actions job) against private simulators: one run per way to authenticate per artifact, the CONNECT
 * proxy tunnel, and the AWS SDK chain's failures. Each with the freshness checks and the secret scan of
 * everything the run printed or wrote (a preload records every file write, in order with the masks).
 */
import { describe, expect, it } from '@jest/globals';
import { expectFreshAttempts } from '../hardening/freshness.js';
import { expectedCode, SCENARIOS, type Scenario } from '../hardening/scenarios.js';
import { expectNoSecretsLeaked, runIn, startWorld, type Kind } from '../hardening/world.js';

async function play(scenario: Scenario, kind: Kind): Promise<void> {
  const world = await startWorld(scenario.world ?? {});
  try {
    const env = scenario.prepare?.(world) ?? {};
    const inputs = typeof scenario.inputs === 'function' ? scenario.inputs(world) : (scenario.inputs ?? {});
    const run = await runIn(world, kind, scenario.mode, {
      inputs,
      env,
      ...(scenario.outputFile ? { outputFile: true } : {}),
    });
    expect({ code: run.code, error: run.error.slice(0, 600) }).toEqual({
      code: expectedCode(scenario, kind),
      error: expect.any(String),
    });
    scenario.check?.(run, world);
    expectFreshAttempts(world);
    expectNoSecretsLeaked(run, world);
  } finally {
    await world.close();
  }
}

const endToEnd = SCENARIOS.filter((s) => s.endToEnd !== undefined);
const kinds: Kind[] = ['action', 'cli'];
describe.each(kinds)('%s: end to end, then the secret scan', (kind) => {
  it.concurrent.each(endToEnd.map((s) => [s.name, s] as const))(
    '%s',
    async (_, scenario) => {
      await play(scenario, kind);
    },
    60_000,
  );
});

describe('the CLI inside a GitHub Actions job: masked before written', () => {
  it.concurrent.each(endToEnd.filter((s) => s.inActions).map((s) => [s.name, s] as const))(
    '%s',
    async (_, scenario) => {
      await play(scenario, 'cli-in-actions');
    },
    60_000,
  );
});

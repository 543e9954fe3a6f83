// @ts-check
/**
 * The skip rule for tests that need system tools beyond Node (testkit/tools.js says which and how they are found).
 *
 * A test file asks for its tools with `needTools([...])` and gets `describe`/`it`, or their `.skip` when a tool
 * is missing, after printing one line per missing tool that names it and how to install it. Under
 * MONDOO_AUTH_REQUIRE_ALL_TOOLS=1 (set by .ci/run for its full runs, which install every tool) a missing tool
 * fails the file instead: nothing is skipped there. .ci/run's last run hides rsync, shellcheck and dash from
 * PATH (scripts/without-tools.mjs) without that variable: there the tests needing them skip, and nothing fails.
 */
import { describe, it } from '@jest/globals';
import { findTool, missingTools } from './tools.js';

export { findTool, missingTools };

/** Whether a missing tool fails instead of skipping (.ci/run sets it). */
export const REQUIRE_ALL_TOOLS = process.env['MONDOO_AUTH_REQUIRE_ALL_TOOLS'] === '1';

/**
 * `describe` and `it` for tests that need `tools`: the real ones when every tool is there, `.skip` (after one
 * printed line per missing tool) when not, and a thrown error under MONDOO_AUTH_REQUIRE_ALL_TOOLS=1.
 * @param {import('./tools.js').Tool[]} tools
 * @param {string} what the tests, for the printed line
 */
export function needTools(tools, what) {
  const missing = missingTools(tools);
  if (missing.length === 0) return { describe, it };
  if (REQUIRE_ALL_TOOLS)
    throw new Error(`${what} cannot run (MONDOO_AUTH_REQUIRE_ALL_TOOLS=1):\n- ${missing.join('\n- ')}`);
  for (const line of missing) process.stderr.write(`skipped: ${what}: ${line}\n`);
  return { describe: describe.skip, it: it.skip };
}

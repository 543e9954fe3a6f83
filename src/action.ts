/**
 * The GitHub Action adapter: inputs → core → masks, outputs, environment and job summary.
 * Every secret goes through the masker (core/safety/masker.ts) before it can reach an output, a file command or a
 * log line.
 */
import { appendFileSync } from 'node:fs';
import * as core from '@actions/core';
import type { AuthResult, Logger } from './core/authenticate.js';
import type { Config, RawInputs } from './core/config/config.js';
import { ConfigError, errorMessage, failureLine } from './core/safety/errors.js';
import { createHttpClient } from './core/network/http.js';
import { createMasker, type Masker } from './core/safety/masker.js';
import { ACTION_INPUTS } from './core/config/settings.js';
import { describeIssued } from './core/mondoo/issued-credential.js';
import { OUTPUTS, summaryRows } from './core/config/outputs.js';
import { setUpAndAuthenticate, type HttpClientFactory } from './core/run-setup.js';
import { gitHubTokenSource } from './core/ci-tokens/token-source.js';

export const CONFIG_ENV_VAR = 'MONDOO_CONFIG_BASE64';

/**
 * What the Action needs from its host, @actions/core by default: whatever runs the toolkit (the runner,
 * @github/local-action, a test) answers these, and learns every secret through setSecret. The inputs are not
 * among them: they come from the environment run() is given (readInputs). The file commands (outputs,
 * exported variables, masks) stay the host's, so each host writes them in its own way (@actions/core on the
 * runner, @github/local-action's own @actions/core) and the Action never writes GITHUB_OUTPUT or GITHUB_ENV itself.
 */
export type ActionHost = Pick<
  typeof core,
  'setOutput' | 'exportVariable' | 'setSecret' | 'info' | 'warning' | 'debug' | 'setFailed'
>;

/**
 * @actions/core as the host, by its named functions: passing the module object itself would keep all of it
 * in the bundle (its OIDC client and undici), which the Action never uses.
 */
const coreHost: ActionHost = {
  setOutput: core.setOutput,
  exportVariable: core.exportVariable,
  setSecret: core.setSecret,
  info: core.info,
  warning: core.warning,
  debug: core.debug,
  setFailed: core.setFailed,
};

/** The variable the runner passes an input in, by @actions/core's getInput rule: spaces as '_', upper-cased. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** The Action's inputs from `env`, as @actions/core's getInput reads them: the value trimmed, '' when unset. */
export function readInputs(env: NodeJS.ProcessEnv): RawInputs {
  const raw: RawInputs = {};
  for (const { name } of ACTION_INPUTS) raw[name] = (env[inputVariable(name)] || '').trim();
  return raw;
}

function setOutputs(host: ActionHost, config: Config, result: AuthResult, masker: Masker): void {
  for (const output of OUTPUTS) {
    const value = output.read(result);
    if (output.secret) masker.add(value);
    host.setOutput(output.name, value);
  }
  if (config.exportEnv) host.exportVariable(CONFIG_ENV_VAR, result.base64Credential);
}

/**
 * The job summary (Markdown with HTML, as the runner renders it): what was proven and what was issued. No secrets.
 * `redact` is the log boundary (the masker's) for the claims of an AWS JWT.
 */
export function jobSummary(
  config: Config,
  result: AuthResult,
  redact: (text: string) => string = (text) => text,
): string {
  const rows = summaryRows(result);
  if (result.awsJwt)
    rows.splice(1, 0, ['Proof', redact(`AWS JWT (GetWebIdentityToken), issuer ${result.awsJwt.issuer}`)]);
  const table = rows
    .map(([item, value]) => `<tr><td>${escapeHtml(item)}</td><td><code>${escapeHtml(value)}</code></td></tr>`)
    .join('');
  const where = config.exportEnv
    ? `<p>The credential is available to later steps as <code>${CONFIG_ENV_VAR}</code>.</p>`
    : '<p>The credential is available as the <code>base64-credential</code> output.</p>';
  return `<h3>Mondoo AWS authentication</h3>\n<table><tr><th>Item</th><th>Value</th></tr>${table}</table>\n${where}\n`;
}

/** Appended synchronously: one small write, and no fs/promises to load for it. */
function writeSummary(
  env: NodeJS.ProcessEnv,
  config: Config,
  result: AuthResult,
  log: { warning(m: string): void },
  redact: (text: string) => string,
): void {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (!file) return;
  try {
    appendFileSync(file, jobSummary(config, result, redact));
  } catch (err) {
    log.warning(`Could not write the job summary: ${errorMessage(err)}`);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** The runner's log, through the masker's redaction like the CLI's (the runner masks too, once told). */
function actionLogger(host: ActionHost, masker: Masker): Logger {
  return {
    info: (message) => host.info(masker.redact(message)),
    warning: (message) => host.warning(masker.redact(message)),
    debug: (message) => host.debug(masker.redact(message)),
  };
}

/** The error annotation: `[CODE] message`; a configuration error says so. */
function failureAnnotation(err: unknown): string {
  return err instanceof ConfigError ? `[${err.code}] Invalid configuration: ${err.message}` : failureLine(err);
}

/**
 * Runs the Action. `env` gives its inputs (INPUT_*), the summary path and everything the set-up reads; `host`
 * is @actions/core on the runner; `httpClient` makes the client every request goes through (createHttpClient;
 * in-process tests give one over the simulators' handlers).
 */
export async function run(
  env: NodeJS.ProcessEnv = process.env,
  host: ActionHost = coreHost,
  httpClient: HttpClientFactory = createHttpClient,
): Promise<void> {
  // Every secret is told to the host (on the runner, core.setSecret writes ::add-mask:: to stdout).
  const masker = createMasker({ registerWithHost: (value) => host.setSecret(value) });
  const log = actionLogger(host, masker);
  try {
    const { config, result } = await setUpAndAuthenticate(
      { env, masker, log, inputs: () => readInputs(env), httpClient },
      {
        lazy: { credentialChain: () => import('./core/credentials/links/credential-chain.js') },
        webIdentity: (c, http, ci) => gitHubTokenSource(ci.variables, c.webIdentityAudience, http),
        // The aws-arn and aws-account-id outputs and the job summary name the identity.
        learnIdentity: true,
      },
    );
    setOutputs(host, config, result, masker);
    log.info(
      `Authenticated to Mondoo ${describeIssued(result.credential)}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}`,
    );
    if (config.exportEnv) log.info(`${CONFIG_ENV_VAR} is set for the following steps.`);
    writeSummary(env, config, result, log, masker.redact);
  } catch (err) {
    host.setFailed(masker.redact(failureAnnotation(err)));
  }
}

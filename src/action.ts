/**
 * The GitHub Action adapter: inputs → core → masks, outputs, environment and job summary.
 * Every secret goes through core.setSecret before it can reach an output, a file command or a log line.
 */
import { appendFileSync } from 'node:fs';
import * as core from './actions-core.js';
import { authenticate, type AuthResult, type Deps } from './core/authenticate.js';
import { systemClock } from './core/clock.js';
import { INPUT_NAMES, parseConfig, type Config, type RawInputs } from './core/config.js';
import { ConfigError, errorMessage } from './core/errors.js';
import { createHttpClient } from './core/http.js';
import { safeLogText } from './core/log-safety.js';
import { describeIssued } from './core/mondoo-credential.js';
import { proxySecrets, readProxySettings } from './core/proxy.js';
import { gitHubTokenSource } from './core/web-identity.js';

export const CONFIG_ENV_VAR = 'MONDOO_CONFIG_BASE64';

function readInputs(): RawInputs {
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) raw[name] = core.getInput(name);
  return raw;
}

function setOutputs(config: Config, result: AuthResult): void {
  core.setOutputs([
    ['base64-credential', result.base64Credential],
    ['aws-arn', result.identity?.arn ?? ''],
    ['aws-account-id', result.identity?.accountId ?? ''],
    ['scope-mrn', result.credential.spaceMrn],
    ['service-account-mrn', result.credential.mrn],
    ['api-endpoint', result.credential.apiEndpoint],
  ]);
  if (config.exportEnv) core.exportVariable(CONFIG_ENV_VAR, result.base64Credential);
}

/** The job summary (Markdown with HTML, as the runner renders it): what was proven and what was issued. No secrets. */
export function jobSummary(config: Config, result: AuthResult): string {
  const rows = [
    ['AWS identity', result.identity?.arn ?? '(not determined)'],
    ['Mondoo scope', result.credential.spaceMrn || '(organization or platform)'],
    ['Service account', result.credential.mrn || '(not named in the token answer)'],
    ['API endpoint', result.credential.apiEndpoint || '(not named in the token answer)'],
  ];
  const table = rows.map(([item, value]) => `<tr><td>${escapeHtml(item ?? '')}</td><td><code>${escapeHtml(value ?? '')}</code></td></tr>`).join('');
  const where = config.exportEnv
    ? `<p>The credential is available to later steps as <code>${CONFIG_ENV_VAR}</code>.</p>`
    : '<p>The credential is available as the <code>base64-credential</code> output.</p>';
  return `<h3>Mondoo AWS authentication</h3>\n<table><tr><th>Item</th><th>Value</th></tr>${table}</table>\n${where}\n`;
}

/** Appended synchronously: one small write, and no fs/promises to load for it. */
function writeSummary(config: Config, result: AuthResult, log: { warning(m: string): void }): void {
  const file = process.env['GITHUB_STEP_SUMMARY'];
  if (!file) return;
  try {
    appendFileSync(file, jobSummary(config, result));
  } catch (err) {
    log.warning(`Could not write the job summary: ${errorMessage(err)}`);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Every log line passes safeLogText: what came from a server or a file can never become a workflow command.
  const secrets = new Set<string>();
  const secret = (value: string): void => {
    secrets.add(value);
    core.setSecret(value);
  };
  const log = {
    info: (m: string) => core.info(safeLogText(m, secrets)),
    warning: (m: string) => core.warning(safeLogText(m, secrets)),
    debug: (m: string) => core.debug(safeLogText(m, secrets)),
  };
  try {
    const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
    if (requestToken) secret(requestToken);
    const proxy = readProxySettings(env);
    for (const value of proxySecrets(proxy)) secret(value);
    const config = parseConfig(readInputs(), env);
    const http = createHttpClient(proxy);
    const deps: Deps = {
      env,
      http,
      clock: systemClock,
      log,
      lazy: { credentialChain: () => import('@aws-sdk/credential-provider-node') },
      secret,
      // The aws-arn and aws-account-id outputs and the job summary name the identity.
      learnIdentity: true,
      webIdentity: config.roleToAssume === undefined ? undefined : gitHubTokenSource(env, config.webIdentityAudience, http),
    };
    const result = await authenticate(config, deps);
    setOutputs(config, result);
    log.info(`Authenticated to Mondoo ${describeIssued(result.credential)}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}`);
    if (config.exportEnv) log.info(`${CONFIG_ENV_VAR} is set for the following steps.`);
    writeSummary(config, result, log);
  } catch (err) {
    core.setFailed(safeLogText(err instanceof ConfigError ? `Invalid configuration: ${err.message}` : errorMessage(err), secrets));
  }
}

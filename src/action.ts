/**
 * The GitHub Action adapter: inputs → core → masks, outputs, environment and job summary.
 * Every secret goes through core.setSecret before it can reach an output, a file command or a log line.
 */
import { appendFileSync } from 'node:fs';
import * as core from '@actions/core';
import { authenticate, type AuthResult, type Deps } from './core/authenticate.js';
import { systemClock } from './core/clock.js';
import { INPUT_NAMES, parseConfig, type Config, type RawInputs } from './core/config.js';
import { ConfigError, errorMessage } from './core/errors.js';
import { createHttpClient } from './core/http.js';
import { proxySecrets, readProxySettings } from './core/proxy.js';
import { gitHubTokenSource } from './core/web-identity.js';

export const CONFIG_ENV_VAR = 'MONDOO_CONFIG_BASE64';

function readInputs(): RawInputs {
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) raw[name] = core.getInput(name);
  return raw;
}

function setOutputs(config: Config, result: AuthResult): void {
  core.setOutput('base64-credential', result.base64Credential);
  core.setOutput('aws-arn', result.identity?.arn ?? '');
  core.setOutput('aws-account-id', result.identity?.accountId ?? '');
  core.setOutput('scope-mrn', result.credential.spaceMrn);
  core.setOutput('service-account-mrn', result.credential.mrn);
  core.setOutput('api-endpoint', result.credential.apiEndpoint);
  if (config.exportEnv) core.exportVariable(CONFIG_ENV_VAR, result.base64Credential);
}

/** The job summary (Markdown with HTML, as the runner renders it): what was proven and what was issued. No secrets. */
export function jobSummary(config: Config, result: AuthResult): string {
  const rows = [
    ['AWS identity', result.identity?.arn ?? '(not determined)'],
    ['Mondoo scope', result.credential.spaceMrn || '(organization or platform)'],
    ['Service account', result.credential.mrn],
    ['API endpoint', result.credential.apiEndpoint],
  ];
  const table = rows.map(([item, value]) => `<tr><td>${escapeHtml(item ?? '')}</td><td><code>${escapeHtml(value ?? '')}</code></td></tr>`).join('');
  const where = config.exportEnv
    ? `<p>The credential is available to later steps as <code>${CONFIG_ENV_VAR}</code>.</p>`
    : '<p>The credential is available as the <code>base64-credential</code> output.</p>';
  return `<h3>Mondoo AWS authentication</h3>\n<table><tr><th>Item</th><th>Value</th></tr>${table}</table>\n${where}\n`;
}

/** Appended synchronously: one small write, and no fs/promises to load for it. */
function writeSummary(config: Config, result: AuthResult): void {
  const file = process.env['GITHUB_STEP_SUMMARY'];
  if (!file) return;
  try {
    appendFileSync(file, jobSummary(config, result));
  } catch (err) {
    core.warning(`Could not write the job summary: ${errorMessage(err)}`);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
    if (requestToken) core.setSecret(requestToken);
    const proxy = readProxySettings(env);
    for (const value of proxySecrets(proxy)) core.setSecret(value);
    const config = parseConfig(readInputs(), env);
    const http = createHttpClient(proxy);
    const deps: Deps = {
      env,
      http,
      clock: systemClock,
      log: { info: core.info, warning: core.warning, debug: core.debug },
      lazy: { credentialChain: () => import('@aws-sdk/credential-provider-node') },
      secret: core.setSecret,
      // The aws-arn and aws-account-id outputs and the job summary name the identity.
      learnIdentity: true,
      webIdentity: config.roleToAssume === undefined ? undefined : gitHubTokenSource(env, config.webIdentityAudience, http),
    };
    const result = await authenticate(config, deps);
    setOutputs(config, result);
    core.info(`Authenticated to Mondoo as ${result.credential.mrn}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}`);
    if (config.exportEnv) core.info(`${CONFIG_ENV_VAR} is set for the following steps.`);
    writeSummary(config, result);
  } catch (err) {
    core.setFailed(err instanceof ConfigError ? `Invalid configuration: ${err.message}` : errorMessage(err));
  }
}

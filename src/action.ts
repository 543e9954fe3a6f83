/**
 * The GitHub Action adapter: inputs → core → masks, outputs, environment and job summary.
 * Every secret goes through the masker (core/masker.ts) before it can reach an output, a file command or a
 * log line.
 */
import { appendFileSync } from 'node:fs';
import * as core from '@actions/core';
import { authenticate, type AuthResult, type Deps, type Logger } from './core/authenticate.js';
import { systemClock } from './core/clock.js';
import type { Config, RawInputs } from './core/config.js';
import { ConfigError, errorMessage, failureLine } from './core/errors.js';
import { createHttpClient } from './core/http.js';
import { createMasker, registerHostSecrets, type Masker } from './core/masker.js';
import { ACTION_INPUTS, parseConfig } from './core/settings.js';
import { describeIssued } from './core/mondoo-credential.js';
import { gitHubTokenSource } from './core/web-identity.js';

export const CONFIG_ENV_VAR = 'MONDOO_CONFIG_BASE64';

function readInputs(): RawInputs {
  const raw: RawInputs = {};
  for (const { name } of ACTION_INPUTS) raw[name] = core.getInput(name);
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

/**
 * The job summary (Markdown with HTML, as the runner renders it): what was proven and what was issued. No secrets.
 * `redact` is the log boundary (the masker's) for the claims of an AWS JWT.
 */
export function jobSummary(config: Config, result: AuthResult, redact: (text: string) => string = (text) => text): string {
  const rows = [
    ['AWS identity', result.identity?.arn ?? '(not determined)'],
    ...(result.awsJwt ? [['Proof', redact(`AWS JWT (GetWebIdentityToken), issuer ${result.awsJwt.issuer}`)]] : []),
    ['Mondoo scope', result.credential.spaceMrn || '(organization or platform)'],
    ['Service account', result.credential.mrn || '(not named in the token answer)'],
    ['API endpoint', result.credential.apiEndpoint || '(not named in the token answer)'],
  ];
  const table = rows
    .map(([item, value]) => `<tr><td>${escapeHtml(item ?? '')}</td><td><code>${escapeHtml(value ?? '')}</code></td></tr>`)
    .join('');
  const where = config.exportEnv
    ? `<p>The credential is available to later steps as <code>${CONFIG_ENV_VAR}</code>.</p>`
    : '<p>The credential is available as the <code>base64-credential</code> output.</p>';
  return `<h3>Mondoo AWS authentication</h3>\n<table><tr><th>Item</th><th>Value</th></tr>${table}</table>\n${where}\n`;
}

/** Appended synchronously: one small write, and no fs/promises to load for it. */
function writeSummary(config: Config, result: AuthResult, log: { warning(m: string): void }, redact: (text: string) => string): void {
  const file = process.env['GITHUB_STEP_SUMMARY'];
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
function actionLogger(masker: Masker): Logger {
  return {
    info: (message) => core.info(masker.redact(message)),
    warning: (message) => core.warning(masker.redact(message)),
    debug: (message) => core.debug(masker.redact(message)),
  };
}

/** The error annotation: `[CODE] message`; a configuration error says so. */
function failureAnnotation(err: unknown): string {
  return err instanceof ConfigError ? `[${err.code}] Invalid configuration: ${err.message}` : failureLine(err);
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Workflow commands go to stdout, as @actions/core writes them.
  const masker = createMasker({ inGitHubActions: env['GITHUB_ACTIONS'] === 'true', writeCommand: (line) => process.stdout.write(line) });
  const log = actionLogger(masker);
  try {
    const proxy = registerHostSecrets(masker, env);
    const config = parseConfig(readInputs(), env);
    const http = createHttpClient(proxy);
    const deps: Deps = {
      env,
      http,
      clock: systemClock,
      log,
      lazy: { credentialChain: () => import('./core/sdk-links.js') },
      secret: masker.add,
      // The aws-arn and aws-account-id outputs and the job summary name the identity.
      learnIdentity: true,
      webIdentity: config.roleToAssume === undefined ? undefined : gitHubTokenSource(env, config.webIdentityAudience, http),
    };
    const result = await authenticate(config, deps);
    setOutputs(config, result);
    log.info(
      `Authenticated to Mondoo ${describeIssued(result.credential)}${result.identity ? ` (AWS identity ${result.identity.arn})` : ''}`,
    );
    if (config.exportEnv) log.info(`${CONFIG_ENV_VAR} is set for the following steps.`);
    writeSummary(config, result, log, masker.redact);
  } catch (err) {
    core.setFailed(masker.redact(failureAnnotation(err)));
  }
}

/**
 * Every output of the tool, in one table, as settings.ts is for the inputs: the Action output's name and
 * action.yml description, the key of the CLI's `--output json`, the job summary's label, whether the value is
 * a secret, and how it is read from the result. `action.ts` (outputs and job summary) and `cli.ts` (json) are
 * driven by it; __tests__/unit/config/outputs.test.ts checks action.yml's outputs and the README's outputs table
 * against it. A new response field is one row here, plus its validator where the answer is read.
 */
import type { AuthResult } from '../authenticate.js';

export interface Output {
  /** The Action output. */
  name: string;
  /** The key in the CLI's `--output json`. */
  jsonKey: string;
  /** action.yml's description. */
  description: string;
  /** Masked everywhere: registered with the masker before it is handed on, and never in the job summary. */
  secret?: true;
  /** The job summary's row: its label and what it shows for an empty value (absent: not in the summary). */
  summary?: { label: string; empty: string };
  /** The value, '' when the run could not learn it. */
  read(result: AuthResult): string;
}

export const OUTPUTS: readonly Output[] = [
  {
    name: 'base64-credential',
    jsonKey: 'base64_credential',
    description:
      'The Mondoo service-account credential, or with response-type token the token answer (masked, as returned), the value of MONDOO_CONFIG_BASE64.',
    secret: true,
    read: (r) => r.base64Credential,
  },
  {
    name: 'aws-arn',
    jsonKey: 'aws_arn',
    description:
      "ARN of the AWS identity presented to Mondoo (empty if STS could not be asked). With proof aws-jwt, the token's subject, for an assumed role the role's ARN (not the session's).",
    summary: { label: 'AWS identity', empty: '(not determined)' },
    read: (r) => r.identity?.arn ?? '',
  },
  {
    name: 'aws-account-id',
    jsonKey: 'aws_account_id',
    description: 'AWS account ID of that identity.',
    read: (r) => r.identity?.accountId ?? '',
  },
  {
    name: 'scope-mrn',
    jsonKey: 'scope_mrn',
    description: 'MRN of the Mondoo space the service account belongs to.',
    summary: { label: 'Mondoo scope', empty: '(organization or platform)' },
    read: (r) => r.credential.spaceMrn,
  },
  {
    name: 'service-account-mrn',
    jsonKey: 'service_account_mrn',
    description: 'MRN of the issued Mondoo service account.',
    summary: { label: 'Service account', empty: '(not named in the token answer)' },
    read: (r) => r.credential.mrn,
  },
  {
    name: 'api-endpoint',
    jsonKey: 'api_endpoint',
    description: 'Mondoo API endpoint the credential is for.',
    summary: { label: 'API endpoint', empty: '(not named in the token answer)' },
    read: (r) => r.credential.apiEndpoint,
  },
];

/** The CLI's `--output json`: one object, the table's keys in its order. */
export function outputsJson(result: AuthResult): string {
  return JSON.stringify(Object.fromEntries(OUTPUTS.map((o) => [o.jsonKey, o.read(result)])));
}

/** The job summary's rows: label and shown value, for the non-secret outputs that have a row. */
export function summaryRows(result: AuthResult): [string, string][] {
  return OUTPUTS.flatMap((o) =>
    o.summary && !o.secret ? [[o.summary.label, o.read(result) || o.summary.empty] as [string, string]] : [],
  );
}

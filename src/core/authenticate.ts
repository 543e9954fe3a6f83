import { awsJwtProof, explainJwtRejection, identityOf, type AwsJwtClaims } from './sts/aws-jwt.js';
import type { Clock } from './network/clock.js';
import type { Config } from './config/config.js';
import type * as CredentialChain from './credentials/links/credential-chain.js';
import type { AwsEnvironment } from './credentials/aws-environment.js';
import { requireAllowedAccount } from './credentials/allowed-accounts.js';
import { credentialSourceFor } from './credential-source.js';
import { EXCHANGE_PATH } from './mondoo/exchange.js';
import { exchangeProof } from './mondoo/exchange-attempts.js';
import type { HttpClient } from './network/http.js';
import type { Logger, SecretOptions } from './safety/log-safety.js';
import { readIssued, type IssuedCredential } from './mondoo/issued-credential.js';
import { connectAhead } from './network/preconnect.js';
import { signedProof } from './proof/signed-proof.js';
import { explainRejection, isIdentityRejection } from './mondoo/rejection.js';
import { retryBudget } from './network/retry.js';
import { SigningClock } from './proof/signing-clock.js';
import type { CallerIdentity } from './sts/caller-identity.js';
import type { WebIdentityTokenSource } from './ci-tokens/token-source.js';
import type { StsTarget } from './proof/signing.js';

export type { Logger } from './safety/log-safety.js';

/** Code that is loaded only when its path is taken; each adapter decides how (a lazy chunk, or inline). */
export interface LazyModules {
  /** The AWS SDK's default credential chain (links/credential-chain.ts), for runs with no keys in the environment and no role. */
  credentialChain(): Promise<typeof CredentialChain>;
}

export interface Deps {
  /** What the AWS credential chain reads from the environment, read once at set-up (readAwsEnvironment). */
  aws: AwsEnvironment;
  /** What to do when the chain finds no credentials, in this CI's terms (the end of AWS_NO_CREDENTIALS). */
  credentialsFix: string;
  /** Where the tool's own STS calls go: stsTargetFor, computed at set-up (runDeps). */
  stsTarget: StsTarget;
  /** Every request the tool makes itself goes through it (proxies, time limits). */
  http: HttpClient;
  clock: Clock;
  log: Logger;
  lazy: LazyModules;
  /**
   * Registers a value with the masker (see masker.ts: each value once, `::add-mask::` only inside GitHub
   * Actions). Called before the value can reach any output, file or log line.
   */
  secret(value: string, opts?: SecretOptions): void;
  /** Where the web identity token comes from; required when config.roleToAssume is set. */
  webIdentity: WebIdentityTokenSource | undefined;
  /**
   * Whether the result must name the AWS identity when the credentials did not come from AssumeRole: it is
   * then asked of STS alongside the exchange. When false, STS is asked only to explain a rejection.
   */
  learnIdentity: boolean;
}

export interface AuthResult {
  /** Exactly as Mondoo returned it: the value for MONDOO_CONFIG_BASE64. */
  base64Credential: string;
  /** Its validated, non-secret fields (a service-account credential, or a short-lived token with response-type token). */
  credential: IssuedCredential;
  /** The AWS identity presented, when it could be learned (with proof aws-jwt: the token's subject and account). */
  identity: CallerIdentity | undefined;
  /** With proof aws-jwt: the checked claims of the token exchanged (never the token). */
  awsJwt?: AwsJwtClaims | undefined;
}

export { MAX_CLOCK_SKEW_MS } from './proof/skew.js';

/** The whole job, as the README's "How it works" tells it. Every step shares one deadline and retry budget. */
export async function authenticate(config: Config, deps: Deps): Promise<AuthResult> {
  const { clock, log, http, secret } = deps;
  const retry = retryBudget(config, clock, (message) => log.warning(message));
  const signingClock = new SigningClock(clock, (message) => log.warning(message));
  const target = deps.stsTarget;

  // 1. AWS credentials: a role assumed with a web identity token, keys in the environment, or the SDK's chain.
  //    Meanwhile the connections the next steps need are opened (connect ahead): their handshakes overlap
  //    this step (in role mode, the OIDC token request is out first).
  const source = credentialSourceFor({
    ...deps,
    config,
    credentialChain: deps.lazy.credentialChain,
    retry,
    signingClock,
    target,
  });
  const resolving = source.resolve();
  // With proof aws-jwt, GetWebIdentityToken goes to the regional STS endpoint right after this step.
  const stsAhead = source.stsAhead || config.proof === 'aws-jwt';
  connectAhead(
    http,
    [stsAhead ? `${target.endpoint}/` : undefined, `${config.universeDomain}${EXCHANGE_PATH}`],
    config.attemptTimeoutMs,
  );
  const found = await resolving;
  log.info(`AWS credentials: ${found.source}`);

  // 2. The proof: STS GetCallerIdentity, signed with SigV4 afresh for every attempt; or with proof aws-jwt, a JWT
  //    for the Mondoo audience from STS GetWebIdentityToken, checked (and masked) before it is sent.
  const jwt =
    config.proof === 'aws-jwt'
      ? await awsJwtProof(config, found.credentials, { http, clock, log, secret, retry, signingClock, target })
      : undefined;

  // 2b. With allowed-account-ids, the account is judged now, before anything is sent to Mondoo: the JWT's
  //     aws_account with proof aws-jwt; else what AssumeRoleWithWebIdentity's answer named (role mode), or STS
  //     GetCallerIdentity. Unset, the lookup waits until the exchange request is out, as in step 5.
  if (config.allowedAccountIds !== undefined) {
    const learned = jwt ? { identity: identityOf(jwt.claims), failure: undefined } : await found.identity.learn();
    const allowed = requireAllowedAccount(learned, config.allowedAccountIds);
    log.info(`AWS account ${allowed.accountId} is in allowed-account-ids`);
  }
  const proof = jwt?.proof ?? signedProof(found.credentials, signingClock, secret);

  // 3. The exchange with Mondoo; re-signed once with the server's time if refused for its time.
  //    A rejection of the identity is explained with the ARN presented and the subject that would match.
  log.info(
    jwt
      ? `Exchanging the AWS JWT with Mondoo at ${config.universeDomain}`
      : `Exchanging a signed STS GetCallerIdentity request with Mondoo at ${config.universeDomain}`,
  );
  const request = {
    universeDomain: config.universeDomain,
    audience: config.audience,
    issuerUri: jwt?.issuerUri ?? config.issuerUri,
    responseType: config.responseType,
  };
  // With aws-jwt the token names the identity: STS is not asked again.
  const learnIdentity = (): void => void (deps.learnIdentity && jwt === undefined && found.identity.learn());
  const base64Credential = await exchangeProof(proof, {
    http,
    clock,
    signingClock,
    retry,
    log,
    request,
    onSent: learnIdentity,
  }).catch(async (err: unknown) => {
    if (!isIdentityRejection(err)) throw err;
    throw jwt
      ? explainJwtRejection(err, jwt.claims, config.audience)
      : explainRejection(err, await found.identity.learn(), config);
  });

  // 4. Hand-over: everything in it that could be secret is masked before it is checked (the private key whole
  //    and by line; with response-type token, the token), then its non-secret fields are validated.
  const credential = readIssued(base64Credential, config.responseType, secret);

  // 5. Meanwhile the AWS identity was learned (asked once the exchange request was out, never before it).
  //    An answer that is not an ARN fails the run, so nothing is handed on (an unreachable STS only costs aws-arn).
  //    With proof aws-jwt there is no lookup: the identity is the token's.
  if (jwt !== undefined) return { base64Credential, credential, identity: identityOf(jwt.claims), awsJwt: jwt.claims };
  const wantsIdentity = deps.learnIdentity || config.roleToAssume !== undefined;
  const learned = wantsIdentity ? await found.identity.learn() : undefined;
  if (learned?.refused) throw learned.refused;
  return { base64Credential, credential, identity: learned?.identity };
}

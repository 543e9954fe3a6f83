import type { Clock } from '../network/clock.js';
import { sendExchange, type ExchangeRequest } from './exchange.js';
import { formatMs, type HttpClient } from '../network/http.js';
import type { SignedProof } from '../proof/signed-proof.js';
import { remainingWithin, withRetries, type RetryOptions } from '../network/retry.js';
import type { SigningClock } from '../proof/signing-clock.js';

export interface ExchangeContext {
  http: HttpClient;
  clock: Clock;
  signingClock: SigningClock;
  retry: RetryOptions;
  log: { debug(message: string): void };
  request: Omit<ExchangeRequest, 'proof'>;
  /** Called when an exchange request is on its way (never before), to start work that must not delay it. */
  onSent(): void;
}

/**
 * Mondoo's token exchange, retried on transient failures with a freshly signed proof each attempt. If Mondoo
 * refuses a signature for its time and its clock is far from ours, the proof is signed once more with its
 * time (once per run: a second refusal is final).
 */
export function exchangeProof(proof: SignedProof, ctx: ExchangeContext): Promise<string> {
  const attempts = new ExchangeAttempts(proof, ctx);
  return withRetries('The Mondoo token exchange', ({ timeoutMs }) => attempts.attempt(timeoutMs), ctx.retry);
}

class ExchangeAttempts {
  private resigned = false;

  constructor(
    private readonly proof: SignedProof,
    private readonly ctx: ExchangeContext,
  ) {}

  async attempt(timeoutMs: number): Promise<string> {
    try {
      return await this.send(timeoutMs);
    } catch (err) {
      if (this.resigned || !this.ctx.signingClock.adoptServerTime(err, 'Mondoo')) throw err;
      this.resigned = true;
      // A new request, signed now with the server's time: it gets a whole attempt's time, within the deadline.
      return this.send(remainingWithin(this.ctx.retry, this.ctx.retry.attemptTimeoutMs));
    }
  }

  private async send(timeoutMs: number): Promise<string> {
    const proof = await this.proof.sign();
    const { clock } = this.ctx;
    const started = clock.now();
    const exchanged = sendExchange(this.ctx.http, { ...this.ctx.request, proof }, timeoutMs);
    this.ctx.onSent();
    const { base64Credential } = await exchanged;
    this.ctx.log.debug(`Mondoo answered the exchange in ${formatMs(clock.now() - started)}`);
    return base64Credential;
  }
}

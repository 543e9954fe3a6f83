/**
 * Both entries end the process soon after the run has reported its result, success or failure: whatever is
 * still open then (an identity lookup or a connection opened ahead that the run no longer needs, a request of
 * the AWS SDK cut off at the deadline, a retry timer of its own) must not keep the job waiting. The timer is
 * unref'd, so a run that leaves nothing open exits at once as before; otherwise it exits after `graceMs` with
 * the exit code already set. Shown by credential-sources.test.ts ("exits within a second of its result").
 */
export const EXIT_GRACE_MS = 500;

export function exitSoon(graceMs: number = EXIT_GRACE_MS, proc: NodeJS.Process = process): void {
  setTimeout(() => proc.exit(), graceMs).unref();
}

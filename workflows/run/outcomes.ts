// How an attempt of a backup or restore ends, and how an activity's failure reads: its message, its
// ApplicationFailure type (the condition reason), and a failed attempt made of it.
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { isReasonName, type Reason } from '../../src/contract/reasons.js';

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'gone' }
  /** The resource was found being deleted: nothing more is started. */
  | { kind: 'cancelled' }
  /** The spec changed under a running attempt: start again with the new one. */
  | { kind: 'restart' }
  | { kind: 'failed'; reason: Reason; message: string; transient: boolean };

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The ApplicationFailure type of an activity failure (IcarusRejected ...), when it has one. */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** An activity failure as a failed attempt: the ApplicationFailure's type is the condition reason. */
export function failedFrom(err: unknown, fallbackReason: Reason): AttemptOutcome {
  if (isCancellation(err)) throw err;
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { transient?: boolean } | undefined;
    return {
      kind: 'failed',
      reason: cause.type && isReasonName(cause.type) ? reasonOfFailureType(cause.type) : fallbackReason,
      message: cause.message,
      transient: details?.transient === true,
    };
  }
  return { kind: 'failed', reason: fallbackReason, message: failureMessage(err), transient: false };
}

/**
 * An ApplicationFailure type of the form of a reason, as the reason. The activities raise reasons as
 * types (activities/failures.ts), but a failure they did not convert keeps the type Temporal gave it
 * after its last retry (the error's name, such as `Error`), and runs have always written that one too:
 * reading it as the fallback instead would change what running workflows write. So this is the one
 * place a string is taken for a Reason unchecked.
 */
function reasonOfFailureType(type: string): Reason {
  return type as Reason;
}

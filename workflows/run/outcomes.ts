// How an attempt of a backup or restore ends, and how an activity's failure reads: its message, its
// ApplicationFailure type (the condition reason), and a failed attempt made of it.
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { isReasonName } from '../../src/contract/reasons.js';

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'gone' }
  /** The resource was found being deleted: nothing more is started. */
  | { kind: 'cancelled' }
  /** The spec changed under a running attempt: start again with the new one. */
  | { kind: 'restart' }
  | { kind: 'failed'; reason: string; message: string; transient: boolean };

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
export function failedFrom(err: unknown, fallbackReason: string): AttemptOutcome {
  if (isCancellation(err)) throw err;
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { transient?: boolean } | undefined;
    return {
      kind: 'failed',
      reason: cause.type && isReasonName(cause.type) ? cause.type : fallbackReason,
      message: cause.message,
      transient: details?.transient === true,
    };
  }
  return { kind: 'failed', reason: fallbackReason, message: failureMessage(err), transient: false };
}

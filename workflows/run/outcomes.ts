// How an attempt of a backup or restore ends, and how an activity's failure reads: its message, its
// ApplicationFailure type (the condition reason), and a failed attempt made of it.
import { ActivityFailure, ApplicationFailure, isCancellation, patched } from '@temporalio/workflow';
import { isReason, isReasonName, type Reason } from '../../src/contract/reasons.js';

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
      reason:
        cause.type && isReasonName(cause.type)
          ? reasonOfFailureType(cause.type, fallbackReason)
          : fallbackReason,
      message: cause.message,
      transient: details?.transient === true,
    };
  }
  return { kind: 'failed', reason: fallbackReason, message: failureMessage(err), transient: false };
}

/**
 * From this patch on, an ApplicationFailure type that is no known reason (the error's name Temporal gives
 * a failure the activities did not convert, such as `Error`, after its last retry) reads as the caller's
 * fallback reason; before, runs wrote that type as the condition's reason.
 */
export const KNOWN_REASONS_PATCH = 'failure-types-known-reasons';

/** An ApplicationFailure type as the reason: a known reason as itself, anything else as `fallback`. */
function reasonOfFailureType(type: string, fallback: Reason): Reason {
  if (isReason(type)) return type;
  if (patched(KNOWN_REASONS_PATCH)) return fallback;
  // Runs recorded before the patch keep writing the type itself: the one unchecked use of a string.
  return type as Reason;
}

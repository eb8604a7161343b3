// One place that turns what went wrong in an activity into the Temporal failure the workflow reads:
// a PlanError or a spec that Icarus cannot take is not retried (the type is the reason shown in the
// resource's conditions), an Icarus answer keeps its failure type, and anything else is left to the
// retry policy. Messages carry names only: no code path here ever holds a credential value.
import { ApplicationFailure } from '@temporalio/activity';
import { IcarusError } from '../src/icarus/errors.js';
import { RequestConfigError } from '../src/icarus/storage-location.js';
import { PlanError } from '../src/kube/plan-error.js';
import { FailureType } from '../src/contract/failures.js';

export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof PlanError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.reason,
      nonRetryable: true,
      details: [{ transient: err.transient }],
    });
  }
  if (err instanceof RequestConfigError) {
    return ApplicationFailure.create({
      message: err.message,
      type: FailureType.invalidSpec,
      nonRetryable: true,
      details: [{ transient: false }],
    });
  }
  if (err instanceof IcarusError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.failureType,
      nonRetryable: !err.retryable,
    });
  }
  return err;
}

/** Runs an activity body and converts its failure. */
export async function converting<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toFailure(err);
  }
}

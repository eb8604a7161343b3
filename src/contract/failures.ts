// The failure types a workflow reads from its activities (ApplicationFailure.type): activities raise
// them (activities/failures.ts), workflows decide on them.

/** Failure types the workflow reads from activities (ApplicationFailure.type). */
export const FailureType = {
  /** A PlanError: the type is its reason; details[0] is { transient }. */
  invalidSpec: 'InvalidSpec',
  /** A submission found its resource deleted (or being deleted) just before it would have posted. */
  resourceDeleted: 'ResourceDeleted',
} as const;

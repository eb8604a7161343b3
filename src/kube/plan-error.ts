import type { Reason } from '../contract/reasons.js';
/**
 * A problem in what a resource asks for, found while planning its work (missing pods, Secret, ...):
 * `reason` is the condition reason and Event reason (one CamelCase word), `message` says what to fix.
 * Messages carry names only, never a credential value.
 */
export class PlanError extends Error {
  override name = 'PlanError';
  constructor(
    readonly reason: Reason,
    message: string,
    /** Whether waiting may fix it without a spec change (pods still starting, for example). */
    readonly transient = false,
  ) {
    super(message);
  }
}

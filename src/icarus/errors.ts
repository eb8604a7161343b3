// What can go wrong when talking to Icarus, as classes the activities map to Temporal failures.
// A message names the node and what to do; it carries Icarus's own words, never a credential (no
// request sent to Icarus holds one: credentials travel as Secret names or stay in the sidecar's env).

/** The `type` of the ApplicationFailure an activity throws for each class below. */
export const IcarusFailureType = {
  rejected: 'IcarusRejected',
  unavailable: 'IcarusUnavailable',
  operationLost: 'IcarusOperationLost',
  protocol: 'IcarusProtocolError',
} as const;

export abstract class IcarusError extends Error {
  abstract readonly failureType: (typeof IcarusFailureType)[keyof typeof IcarusFailureType];
  /** Whether the same call may succeed later without any change. */
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly endpoint: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Icarus refused the request (4xx): sending it again will not help; the request must change. */
export class IcarusRejectedError extends IcarusError {
  readonly failureType = IcarusFailureType.rejected;
  readonly retryable = false;
}

/** Refused connection, time-out, 5xx: Icarus or its node is down, restarting or overloaded. */
export class IcarusUnavailableError extends IcarusError {
  readonly failureType = IcarusFailureType.unavailable;
  readonly retryable = true;
}

/**
 * An operation id Icarus no longer knows: it restarted (operations live in memory) or expired the
 * finished operation. Whether to submit again is the caller's decision, never the client's.
 */
export class IcarusOperationLostError extends IcarusError {
  readonly failureType = IcarusFailureType.operationLost;
  readonly retryable = false;
  constructor(
    readonly operationId: string,
    endpoint: string,
    status: number,
  ) {
    super(
      `Icarus at ${endpoint} no longer knows operation ${operationId} (it restarted or expired it)`,
      endpoint,
      status,
    );
  }
}

/** Icarus answered, but not with what its API promises (unexpected JSON). */
export class IcarusProtocolError extends IcarusError {
  readonly failureType = IcarusFailureType.protocol;
  readonly retryable = false;
}

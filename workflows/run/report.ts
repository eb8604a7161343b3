// What a backup's or restore's run tells: its status writes (each with the Succeeded condition) and its
// Events, both through the Kubernetes activities, with the `progress` the query answers kept in step.
// Also what the attempt loop reports of an attempt: a transient problem (PENDING, rechecked) and a
// failure (FAILED, with the Events of the nodes that failed on submission).
import type { ResourceKind } from '../../src/contract/ids.js';
import type { Reason } from '../../src/contract/reasons.js';
import type { ConditionChange, ResourceEvent, StatusFields } from '../../src/contract/status.js';
import { nodeErrors, nodeStatus } from '../../src/contract/node-progress.js';
import { kube } from './activities.js';
import { ResourceStateAttribute } from './resource-state.js';
import type { RunState } from './state.js';

export class Reporter<K extends ResourceKind = ResourceKind> {
  /** A status write left running (the Planning write, see `runOn`): the next write waits for it. */
  private pendingWrite: Promise<void> | undefined;
  /** The last transient problem reported with an Event: the same one again is not news. */
  private lastTransient = '';
  /**
   * NodeFailed Events of nodes whose submission failed: no watch ended them, so they go out with the
   * failure's own Events (the same write: histories from before keep their shape).
   */
  private unreportedFailures: ResourceEvent[] = [];
  /**
   * A wait for something the spec names that does not exist, reported FAILED while the run still checks
   * (`failedStillChecking`): its reason and message. The next write of another state clears it.
   */
  private held: string | undefined;
  /** The run's ResourceState search attribute, kept in step with the state written. */
  private readonly stateAttribute = new ResourceStateAttribute();

  constructor(private readonly run: RunState<K>) {}

  /** A status write of the run's kind (its status fields, typed from its CRD) with the Succeeded condition. */
  async setStatus(
    fields: StatusFields<K>,
    succeeded: ConditionChange['status'],
    reason: Reason,
    message: string,
  ): Promise<void> {
    const pendingWrite = this.pendingWrite;
    this.pendingWrite = undefined;
    await pendingWrite;
    if (this.held !== undefined && fields.state !== undefined && fields.state !== 'FAILED') {
      // The failure held while checking is over: its fields go with it.
      this.held = undefined;
      fields = { errors: null, completionTime: null, ...fields };
    }
    const progress = this.run.progress;
    progress.reason = reason;
    progress.message = message;
    if (typeof fields.state === 'string') {
      progress.state = fields.state;
      this.stateAttribute.update(fields.state);
    }
    await kube().writeStatus({
      kind: this.run.kind,
      resource: this.run.resource,
      change: {
        fields,
        generation: this.run.generation,
        conditions: [{ type: 'Succeeded', status: succeeded, reason, message }],
      },
    });
  }

  /**
   * Lets a status write run on while the attempt goes on (the Planning write, beside the planning): the
   * next status write waits for it, so the two land in order. Its failure is handled here, so it is not
   * an unhandled rejection; the error still reaches that next write, which awaits it.
   */
  runOn(write: Promise<void>): void {
    write.catch(() => undefined);
    this.pendingWrite = write;
  }

  async emit(...events: ResourceEvent[]): Promise<void> {
    if (events.length === 0) return;
    await kube().publishEvents({ kind: this.run.kind, resource: this.run.resource, events });
  }

  /** A new attempt: Events held for an earlier attempt's failure are dropped. */
  startAttempt(): void {
    this.unreportedFailures = [];
  }

  /** Whether a configuration wait is reported FAILED while the run still checks. */
  get holdingFailure(): boolean {
    return this.held !== undefined;
  }

  /** A plan succeeded: the next transient problem is news again. */
  planned(): void {
    this.lastTransient = '';
  }

  /** Holds an Event (a node whose submission failed) until the attempt's failure is reported. */
  holdForFailure(event: ResourceEvent): void {
    this.unreportedFailures.push(event);
  }

  /** A transient problem: PENDING with its reason; an Event when it is a new one. */
  async waiting(reason: Reason, message: string): Promise<void> {
    this.run.progress.state = 'PENDING';
    await this.setStatus({ state: 'PENDING' }, 'Unknown', reason, message);
    const key = `${reason}:${message}`;
    if (key !== this.lastTransient) {
      this.lastTransient = key;
      await this.emit({ type: 'Warning', reason, message: `${message} (checking again)` });
    }
  }

  /**
   * A wait for something the spec names that does not exist, past the configuration wait: FAILED with
   * its reason (once, with the failure's Events), while the run goes on checking; the next status of
   * another state (the run starting, another wait) ends it.
   */
  async failedStillChecking(
    reason: Reason,
    message: string,
    terminalFields: () => StatusFields<K>,
  ): Promise<void> {
    const key = `${reason}:${message}`;
    if (this.held === key) return;
    await this.failed(
      reason,
      `${message} (still checking: the ${this.run.noun.toLowerCase()} starts as soon as this is fixed)`,
      terminalFields,
    );
    this.held = key;
  }

  /**
   * A failed attempt: its Events (the kind's, the reason's own, the held node failures), then FAILED
   * with `terminalFields()` (a restore's phases).
   */
  async failed(reason: Reason, message: string, terminalFields: () => StatusFields<K>): Promise<void> {
    this.held = undefined;
    const progress = this.run.progress;
    progress.state = 'FAILED';
    const errors = nodeErrors(progress.nodes);
    // The Event first: whoever waits for the condition finds the Event already there.
    await this.emit(
      { type: 'Warning', reason: `${this.run.noun}Failed`, message },
      ...(reason !== 'NodeFailed' ? [{ type: 'Warning' as const, reason, message }] : []),
      ...this.unreportedFailures.splice(0),
    );
    await this.setStatus(
      {
        state: 'FAILED',
        errors: errors.length ? errors : [{ message }],
        completionTime: new Date().toISOString(),
        nodes: progress.nodes.map(nodeStatus),
        ...terminalFields(),
      },
      'False',
      reason,
      message,
    );
  }
}

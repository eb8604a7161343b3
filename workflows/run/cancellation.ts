// How a backup's or restore's run stops: why (the cancel signal, the resource's deletion, Temporal's own
// cancel), the cancellation scope of the running attempt (which a cancel or a spec change cancels), the
// rule that nothing new is submitted once a stop is known, and the clean-up: ask Icarus to stop, wait,
// then write CANCELLED, even when the workflow itself is being cancelled, and close as Canceled.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  log,
  patched,
} from '@temporalio/workflow';
import type { ResourceKind } from '../../src/contract/ids.js';
import { nodeErrors, nodeStatus } from '../../src/contract/node-progress.js';
import type { StatusFields } from '../../src/contract/status.js';
import { ownRun } from './activities.js';
import { describeStopped, type Operations } from './operations.js';
import type { Reporter } from './report.js';
import type { RunState } from './state.js';

/**
 * From this patch on, nothing is submitted to Icarus once a cancel is known: a resource found being
 * deleted starts nothing, a submission that finds it deleted cancels the run, and a cancel that arrives
 * while submissions are in flight waits for all of them, so that every operation they started is stopped.
 */
export const NO_SUBMIT_AFTER_CANCEL_PATCH = 'no-submission-after-cancel';

/**
 * From this patch on, a run cancelled by the signal or by its resource's deletion closes as Canceled in
 * Temporal (it asks Temporal to cancel it, after the clean-up); before, it failed with the type Cancelled.
 */
export const CLOSE_AS_CANCELED_PATCH = 'close-cancelled-run-as-canceled';

/** What a kind adds to its run's last status write when the run fails or is cancelled. */
export interface TerminalHooks<K extends ResourceKind = ResourceKind> {
  /** What the Cancelled condition says besides the operations stopped (what a restore left behind). */
  cancelledNote?(): string;
  /**
   * Work a cancelled run still does once its operations stopped (a verify deletes what its nodes
   * downloaded), in the clean-up scope; what it returns replaces cancelledNote's words. Undefined: none.
   */
  afterCancel?(): Promise<string | undefined>;
  /** Extra status fields written with FAILED and CANCELLED (a restore's phases). */
  terminalFields?(): StatusFields<K>;
}

export class Cancellation<K extends ResourceKind = ResourceKind> {
  /** Why the run is cancelled, once it is (the first reason stays). */
  private why: string | undefined;
  /** Who asked for the cancel, when the signal said (the cancel annotation): named in the message. */
  private by: string | undefined;
  /** The generation a running attempt was stopped for (a spec change, see SPEC_RESTART_PATCH). */
  private restarting: number | undefined;
  /** The running attempt's scope, while one runs. */
  private scope: CancellationScope | undefined;
  /** The clean-up is done and the run waits for Temporal's cancel, which ends it as Canceled. */
  private closing = false;

  constructor(
    private readonly run: RunState<K>,
    private readonly operations: Operations,
    private readonly report: Reporter<K>,
  ) {}

  get reason(): string | undefined {
    return this.why;
  }

  get restartFor(): number | undefined {
    return this.restarting;
  }

  /** Whether the run has cleaned up and is being closed as Canceled (its own cancel request). */
  get closingAsCanceled(): boolean {
    return this.closing;
  }

  /** Whether an attempt runs (in a scope that a cancel or a spec change cancels). */
  get attemptRunning(): boolean {
    return this.scope !== undefined;
  }

  /** A cancel: recorded (the first reason stays), and the running attempt is stopped. */
  cancel(reason: string, requestedBy?: string): void {
    if (!this.why) this.by = requestedBy;
    this.why ??= reason;
    this.scope?.cancel();
  }

  /** A cancel found by the attempt itself (the resource being deleted), which then ends: recorded. */
  record(reason: string): void {
    this.why ??= reason;
  }

  /** The spec changed to `generation` under the running attempt: it is stopped, to start again. */
  restart(generation: number): void {
    this.restarting = generation;
    this.scope?.cancel();
  }

  /** The scope a new attempt runs in (no restart pending yet). */
  openScope(): CancellationScope {
    this.restarting = undefined;
    const scope = new CancellationScope();
    this.scope = scope;
    return scope;
  }

  /** The attempt ended. */
  closeScope(): void {
    this.scope = undefined;
  }

  /**
   * A cancel (or a spec change that restarts) is known: throw the cancellation here rather than start
   * anything new. Under NO_SUBMIT_AFTER_CANCEL_PATCH only.
   */
  throwIfStopping(): void {
    const stopping =
      Boolean(this.why) || this.restarting !== undefined || CancellationScope.current().consideredCancelled;
    if (stopping && patched(NO_SUBMIT_AFTER_CANCEL_PATCH)) {
      throw new CancelledFailure(`${this.run.noun.toLowerCase()} stopping: nothing new is submitted`);
    }
  }

  /**
   * The end of a cancelled run: the clean-up, then the run asks Temporal to cancel it and waits for that
   * cancel, which closes it as Canceled. Runs from before CLOSE_AS_CANCELED_PATCH, or one whose request
   * fails, fail with the type Cancelled instead.
   */
  async end(hooks: TerminalHooks<K>): Promise<never> {
    await this.finish(hooks);
    if (patched(CLOSE_AS_CANCELED_PATCH)) {
      this.closing = true;
      try {
        await ownRun.cancelOwnRun();
      } catch (err) {
        log.warn('Could not ask Temporal to cancel this run; it fails as Cancelled instead', {
          err: String(err),
        });
        this.closing = false;
      }
      // Temporal's cancel of this run ends this wait with a CancelledFailure: the run closes as Canceled.
      if (this.closing) await condition(() => false);
    }
    throw ApplicationFailure.create({
      message: `${this.run.noun.toLowerCase()} cancelled (${this.why ?? 'CancelRequested'})`,
      type: 'Cancelled',
      nonRetryable: true,
    });
  }

  /** Clean-up that must run even when the workflow itself is being cancelled. */
  async finish(hooks: TerminalHooks<K>): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const outcomes = await this.operations.cancelAll();
      const afterCancel = await hooks.afterCancel?.();
      const reason = this.why === 'ResourceDeleted' ? 'ResourceDeleted' : 'Cancelled';
      const { noun, progress } = this.run;
      const message =
        (reason === 'ResourceDeleted'
          ? `The resource was deleted: ${noun.toLowerCase()} cancelled`
          : `${noun} cancelled${this.by ? ` by ${this.by}` : ''}`) +
        describeStopped(outcomes) +
        (afterCancel ?? hooks.cancelledNote?.() ?? '');
      progress.state = 'CANCELLED';
      await this.report.emit({ type: 'Warning', reason: `${noun}Cancelled`, message });
      const fields = {
        state: 'CANCELLED',
        completionTime: new Date().toISOString(),
        errors: nodeErrors(progress.nodes),
        nodes: progress.nodes.map(nodeStatus),
      };
      await this.report.setStatus(
        hooks.terminalFields ? { ...fields, ...hooks.terminalFields() } : fields,
        'False',
        reason,
        message,
      );
    });
  }
}

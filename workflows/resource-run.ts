// A backup's or restore's run, put together from its parts (workflows/run/): the signals and the query,
// and the attempt loop: a transient problem is rechecked with backoff, a failure waits for the retry
// signal or a spec change within the retry window, a spec change under a running backup starts it
// again. Each kind (backup.ts, restore.ts) supplies its attempt, which uses the parts through the run:
//
//   run.report        status writes and Events                        run/report.ts
//   run.scheduler     one operation per node, bounded, one watch       run/nodes.ts, run/node-reasons.ts
//   run.operations    the operations running: watch, cancel            run/operations.ts
//   run.cancellation  why it stops, the attempt's scope, the clean-up  run/cancellation.ts
//
// The activity proxies are in run/activities.ts, how an attempt ends in run/outcomes.ts, the generation
// worked on and the reads of the resource at an attempt's start and before success in run/generations.ts.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setHandler,
} from '@temporalio/workflow';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import { configurationWaits, type Reason } from '../src/contract/reasons.js';
import type { ResourceWorkflowInput, RunOptions, RunProgress, RunResult } from '../src/contract/runs.js';
import { Cancellation, type TerminalHooks } from './run/cancellation.js';
import { Generations, SPEC_RESTART_PATCH } from './run/generations.js';
import { NodeScheduler } from './run/nodes.js';
import { describeStopped, Operations } from './run/operations.js';
import type { AttemptOutcome } from './run/outcomes.js';
import { Reporter } from './run/report.js';
import type { RunState } from './run/state.js';
import { cancelSignal, progressQuery, retrySignal, specChangedSignal } from './signals.js';

// The resubmission limit, where workflow tests read it (test/unit/workflows/resubmits.test.ts).
export { MAX_RESUBMITS } from './run/nodes.js';

/**
 * From this patch on, a wait for something the spec names that does not exist (configurationWaits) turns
 * FAILED after the run's configurationWaitMs, and the run goes on checking.
 */
export const CONFIGURATION_WAIT_PATCH = 'fail-configuration-waits';

/** What a kind of resource is to its run. */
export interface RunKind<K extends ResourceKind> {
  readonly kind: K;
  /** 'Backup' or 'Restore': Event reasons (BackupFailed, RestoreCancelled) and messages. */
  readonly noun: 'Backup' | 'Restore';
  /** Whether a spec change stops a running attempt (backups) or waits for the next one (restores). */
  readonly restartsOnSpecChange: boolean;
}

/** What a kind runs: one attempt at a time, and what it adds to a failed or cancelled run's status. */
export interface KindRun<K extends ResourceKind> extends TerminalHooks<K> {
  /** One attempt, from reading the spec to success or failure. */
  attempt(): Promise<AttemptOutcome>;
}

export class ResourceRun<K extends ResourceKind> implements RunState<K> {
  readonly kind: K;
  readonly noun: 'Backup' | 'Restore';
  readonly resource: ResourceKey;
  readonly options: RunOptions;
  readonly progress: RunProgress;
  readonly report: Reporter<K>;
  readonly operations: Operations;
  readonly cancellation: Cancellation<K>;
  readonly scheduler: NodeScheduler;
  private readonly restartsOnSpecChange: boolean;
  /** The generation worked on and the newest seen; the reads of the resource that move them. */
  private readonly generations: Generations<K>;
  private attempt = 0;
  private retryRequested = false;
  /** Who asked for the retry being run, when the signal said (the retry annotation). */
  private retryBy: string | undefined;

  constructor(input: ResourceWorkflowInput, kind: RunKind<K>) {
    this.kind = kind.kind;
    this.noun = kind.noun;
    this.restartsOnSpecChange = kind.restartsOnSpecChange;
    this.resource = input.resource;
    this.options = input.options;
    this.generations = new Generations(input.generation, this);
    this.progress = {
      attempt: 0,
      state: 'PENDING',
      progress: 0,
      reason: 'Pending',
      message: 'Waiting to start',
      generation: input.generation,
      nodes: [],
    };
    this.report = new Reporter(this);
    this.operations = new Operations(this);
    this.cancellation = new Cancellation(this, this.operations, this.report);
    this.scheduler = new NodeScheduler(this, this.operations, this.cancellation, this.report);
  }

  get generation(): number {
    return this.generations.current;
  }

  /** The attempt that follows a failure (not a transient wait) is a retry. */
  get retrying(): boolean {
    return this.attempt > 1 && this.progress.state === 'FAILED' && !this.report.holdingFailure;
  }

  /** " (asked by …)" for a retry's Event when the retry signal named who asked; empty otherwise. */
  get retryAskedBy(): string {
    return this.retryBy ? ` (asked by ${this.retryBy})` : '';
  }

  async execute(kindRun: KindRun<K>): Promise<RunResult> {
    setHandler(specChangedSignal, ({ generation }) => {
      this.generations.signalled(generation);
      if (
        this.restartsOnSpecChange &&
        this.cancellation.attemptRunning &&
        generation > this.generations.current &&
        !this.cancellation.reason &&
        patched(SPEC_RESTART_PATCH)
      ) {
        this.cancellation.restart(generation);
      }
    });
    setHandler(retrySignal, (arg) => {
      this.retryRequested = true;
      this.retryBy = arg?.requestedBy;
    });
    setHandler(cancelSignal, (arg) => {
      this.cancellation.cancel(arg?.reason ?? 'CancelRequested', arg?.requestedBy);
    });
    setHandler(progressQuery, () => ({
      ...this.progress,
      nodes: this.progress.nodes.map((n) => ({ ...n })),
      ...(this.progress.phases ? { phases: this.progress.phases.map((p) => ({ ...p })) } : {}),
    }));

    try {
      return await this.loop(kindRun);
    } catch (err) {
      // Not a cancel, or the run's own cancel request after its clean-up (a cancelled run closing).
      if (!isCancellation(err) || this.cancellation.closingAsCanceled) throw err;
      // Temporal's own cancel (Web UI, `temporal workflow cancel`): same clean-up as the signal.
      this.cancellation.record('WorkflowCancelled');
      await this.cancellation.finish(kindRun);
      throw err;
    }
  }

  private async loop(kindRun: KindRun<K>): Promise<RunResult> {
    let transientSince: number | undefined;
    /** The transient reason of the last attempt, and since when it has been the reason. */
    let waitingFor: { reason: Reason; since: number } | undefined;
    let recheckMs = 5_000;
    for (;;) {
      if (this.cancellation.reason) return this.cancellation.end(kindRun);
      this.attempt += 1;
      const outcome = await this.runAttempt(kindRun);
      if (outcome === 'cancelled' || outcome.kind === 'cancelled') return this.cancellation.end(kindRun);
      if (outcome.kind === 'restart') continue;
      if (outcome.kind === 'gone') {
        log.info('The resource is gone: nothing left to do');
        return { outcome: 'ResourceGone', nodes: this.progress.nodes.length };
      }
      if (outcome.kind === 'succeeded') {
        return {
          outcome: 'Succeeded',
          ...(this.progress.snapshotTag ? { snapshotTag: this.progress.snapshotTag } : {}),
          nodes: this.progress.nodes.length,
        };
      }
      if (outcome.transient) {
        // Something that may fix itself (pods starting, Secret not created yet): check again, backing off.
        transientSince ??= Date.now();
        if (waitingFor?.reason !== outcome.reason) waitingFor = { reason: outcome.reason, since: Date.now() };
        if (Date.now() - transientSince < this.options.retryWindowMs) {
          if (this.configurationWaitOver(waitingFor)) {
            await this.report.failedStillChecking(
              outcome.reason,
              outcome.message,
              () => kindRun.terminalFields?.() ?? {},
            );
          } else {
            await this.report.waiting(outcome.reason, outcome.message);
          }
          await this.waitForRetry(recheckMs);
          recheckMs = Math.min(recheckMs * 2, 60_000);
          continue;
        }
      }
      transientSince = undefined;
      waitingFor = undefined;
      recheckMs = 5_000;
      await this.report.failed(outcome.reason, outcome.message, () => kindRun.terminalFields?.() ?? {});
      const woke = await this.waitForRetry(this.options.retryWindowMs);
      if (!woke) {
        throw ApplicationFailure.create({
          message: `${outcome.message} (no retry signal or spec change within the retry window)`,
          type: outcome.reason,
          nonRetryable: true,
        });
      }
    }
  }

  /** Whether a wait for something the spec names has lasted the configuration wait: it turns FAILED. */
  private configurationWaitOver(waiting: { reason: Reason; since: number }): boolean {
    const limit = this.options.configurationWaitMs;
    return (
      limit !== undefined &&
      configurationWaits.includes(waiting.reason) &&
      Date.now() - waiting.since >= limit &&
      patched(CONFIGURATION_WAIT_PATCH)
    );
  }

  /** Waits for the retry signal, a new generation or a cancel; false when the time ran out. */
  private async waitForRetry(timeoutMs: number): Promise<boolean> {
    this.retryRequested = false;
    this.retryBy = undefined;
    return condition(
      () => this.retryRequested || this.generations.changed || Boolean(this.cancellation.reason),
      timeoutMs,
    );
  }

  private async runAttempt(kindRun: KindRun<K>): Promise<AttemptOutcome | 'cancelled'> {
    this.report.startAttempt();
    const scope = this.cancellation.openScope();
    try {
      return await scope.run(() => kindRun.attempt());
    } catch (err) {
      if (isCancellation(err) && this.cancellation.reason) return 'cancelled';
      const restartFor = this.cancellation.restartFor;
      if (isCancellation(err) && restartFor !== undefined) return this.stopForSpecChange(restartFor);
      throw err;
    } finally {
      this.cancellation.closeScope();
    }
  }

  /** The spec changed under the attempt: stop what it started, say so, and let the loop start again. */
  private async stopForSpecChange(generation: number): Promise<AttemptOutcome> {
    return CancellationScope.nonCancellable(async () => {
      const outcomes = await this.operations.cancelAll();
      await this.report.emit({
        type: 'Normal',
        reason: 'SpecChanged',
        message: `The spec changed (generation ${generation}) while generation ${this.generations.current} was being run${describeStopped(outcomes)}; starting again with the new spec`,
      });
      return { kind: 'restart' };
    });
  }

  /**
   * The start of every attempt: reads the resource (an outcome when it is gone or its spec is invalid),
   * records the generation it works on and marks it Planning (run/generations.ts).
   */
  load<L extends { generation: number; deleting?: boolean }>(
    read: () => Promise<L | undefined>,
    planning: (loaded: L) => string,
  ): Promise<L | AttemptOutcome> {
    return this.generations.load(read, planning, this.attempt);
  }

  /** The resource, read again just before success: a spec that changed since the attempt began restarts. */
  stillCurrent(
    read: () => Promise<{ generation: number; deleting?: boolean } | undefined>,
  ): Promise<AttemptOutcome | undefined> {
    return this.generations.stillCurrent(read);
  }
}

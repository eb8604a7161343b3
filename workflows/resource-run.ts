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
// The activity proxies are in run/activities.ts, how an attempt ends in run/outcomes.ts.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import { configurationWaits, type Reason } from '../src/contract/reasons.js';
import type { ResourceWorkflowInput, RunOptions, RunProgress, RunResult } from '../src/contract/runs.js';
import { LOCAL_K8S_PATCH } from './run/activities.js';
import { Cancellation, NO_SUBMIT_AFTER_CANCEL_PATCH, type TerminalHooks } from './run/cancellation.js';
import { NodeScheduler } from './run/nodes.js';
import { describeStopped, Operations } from './run/operations.js';
import { failedFrom, type AttemptOutcome } from './run/outcomes.js';
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

/** From this patch on, a backup whose spec changes while an attempt runs stops it and starts again. */
export const SPEC_RESTART_PATCH = 'restart-on-spec-change';

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
  /** The generation the current attempt works on (`load` sets it). */
  private current: number;
  /** The newest generation seen (the specChanged signal, a read): past `current`, a failure retries. */
  private latestGeneration: number;
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
    this.latestGeneration = input.generation;
    this.current = input.generation;
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
    return this.current;
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
      if (generation > this.latestGeneration) this.latestGeneration = generation;
      if (
        this.restartsOnSpecChange &&
        this.cancellation.attemptRunning &&
        generation > this.current &&
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
      () => this.retryRequested || this.latestGeneration > this.current || Boolean(this.cancellation.reason),
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
        message: `The spec changed (generation ${generation}) while generation ${this.current} was being run${describeStopped(outcomes)}; starting again with the new spec`,
      });
      return { kind: 'restart' };
    });
  }

  /**
   * The start of every attempt: reads the resource (an outcome when it is gone or its spec is invalid),
   * records the generation it works on and marks it Planning.
   */
  async load<L extends { generation: number; deleting?: boolean }>(
    read: () => Promise<L | undefined>,
    planning: (loaded: L) => string,
  ): Promise<L | AttemptOutcome> {
    let loaded;
    try {
      loaded = await read();
    } catch (err) {
      return failedFrom(err, 'InvalidSpec');
    }
    if (!loaded) return { kind: 'gone' };
    if (loaded.deleting && patched(NO_SUBMIT_AFTER_CANCEL_PATCH)) {
      this.cancellation.record('ResourceDeleted');
      return { kind: 'cancelled' };
    }
    // A recheck of a configuration wait reported FAILED keeps FAILED on show until something changes.
    const quiet = this.report.holdingFailure && loaded.generation === this.current;
    this.current = loaded.generation;
    this.latestGeneration = Math.max(this.latestGeneration, loaded.generation);
    this.progress.generation = loaded.generation;
    this.progress.attempt = this.attempt;
    if (quiet) return loaded;
    const write = this.report.setStatus(
      {
        observedGeneration: this.current,
        state: 'PENDING',
        workflowId: workflowInfo().workflowId,
        ...(this.options.workflowUrl ? { workflowUrl: this.options.workflowUrl } : {}),
        errors: null,
        completionTime: null,
      },
      'Unknown',
      'Planning',
      planning(loaded),
    );
    // With local activities the Planning write and the planning itself run side by side; the next
    // status write waits for it, so the two land in order.
    if (patched(LOCAL_K8S_PATCH)) this.report.runOn(write);
    else await write;
    return loaded;
  }

  /** The resource, read again just before success: a spec that changed since the attempt began restarts. */
  async stillCurrent(
    read: () => Promise<{ generation: number; deleting?: boolean } | undefined>,
  ): Promise<AttemptOutcome | undefined> {
    if (!patched(SPEC_RESTART_PATCH)) return undefined;
    const now = await read();
    if (!now) return { kind: 'gone' };
    if (now.deleting) {
      this.cancellation.record('ResourceDeleted');
      return { kind: 'cancelled' };
    }
    if (now.generation <= this.current) return undefined;
    this.latestGeneration = Math.max(this.latestGeneration, now.generation);
    await this.report.emit({
      type: 'Normal',
      reason: 'SpecChanged',
      message: `The spec changed (generation ${now.generation}) while generation ${this.current} was being run; starting again with the new spec`,
    });
    return { kind: 'restart' };
  }
}

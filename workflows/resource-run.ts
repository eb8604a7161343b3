// What a backup and a restore workflow have in common: the signals and the query, the attempt loop (a
// transient problem is rechecked with backoff, a failure waits for the retry signal or a spec change
// within the retry window), running one operation per node with bounded concurrency and one watch
// activity, cancelling (ask Icarus, wait, then write CANCELLED even when the workflow itself is being
// cancelled), and the status and Event writes. Each kind supplies its attempt body.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { cancelSignal, progressQuery, retrySignal, specChangedSignal } from './signals.js';
import { FailureType } from '../src/contract/failures.js';
import { isReasonName } from '../src/contract/reasons.js';
import type { ConditionChange, NodeWork, ResourceEvent } from '../src/contract/status.js';
import type { ResourceKind } from '../src/contract/ids.js';
import type { ResourceWorkflowInput, RunProgress, RunResult } from '../src/contract/runs.js';
import type { WatchInput, WatchResult } from '../src/contract/activity-io.js';
import { nodeErrors, nodeStatus, overallProgress } from '../src/contract/node-progress.js';
import {
  BUCKET_CHECK_FAILED,
  STORAGE_ACCESS_DENIED,
  STORAGE_UNREACHABLE,
  storageFailureReason,
} from './storage-failures.js';

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'gone' }
  /** The resource was found being deleted: nothing more is started. */
  | { kind: 'cancelled' }
  /** The spec changed under a running attempt: start again with the new one. */
  | { kind: 'restart' }
  | { kind: 'failed'; reason: string; message: string; transient: boolean };

/** A node whose Icarus lost its operation (sidecar restart) is submitted again at most this often. */
export const MAX_RESUBMITS = 2;

const k8sOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
} as const;
// Kubernetes reads and writes, planning: short, retried on transient errors (scheduled runs use these).
export const k8s = proxyActivities<Activities>(k8sOptions);
// The same activities as local activities: the worker runs them inside the workflow task, so reading
// the spec, planning and the first status writes take no round trip through the Temporal server (a
// backup reaches RUNNING in one workflow task) and each leaves one marker in the history instead of
// three events. Their retries and time-outs are the same.
const k8sLocal = proxyLocalActivities<Activities>(k8sOptions);

/** From this patch on, a backup's or restore's Kubernetes activities are local ones (see `kube`). */
export const LOCAL_K8S_PATCH = 'kubernetes-local-activities';
/**
 * From this patch on, nothing is submitted to Icarus once a cancel is known: a resource found being
 * deleted starts nothing, a submission that finds it deleted cancels the run, and a cancel that arrives
 * while submissions are in flight waits for all of them, so that every operation they started is stopped.
 */
export const NO_SUBMIT_AFTER_CANCEL_PATCH = 'no-submission-after-cancel';
/** From this patch on, a backup whose spec changes while an attempt runs stops it and starts again. */
export const SPEC_RESTART_PATCH = 'restart-on-spec-change';
/** Runs from before it said NodeFailed whatever the nodes' failures had in common. */
export const NODE_REASON_PATCH = 'specific-node-failure-reasons';
/** From this patch on, a node whose bucket does not exist failed with BucketNotFound, not NodeFailed. */
export const BUCKET_REASON_PATCH = 'bucket-not-found-reason';
/**
 * From this patch on, nodes not started because the storage Secret went away (deleted, or stripped of its
 * keys, while the run went on) fail the run with SecretNotFound or SecretMissingKeys, not NodeFailed.
 */
export const SECRET_REASON_PATCH = 'secret-gone-reason';
/**
 * From this patch on, a node whose store refused its credentials or could not be reached failed with
 * StorageAccessDenied, StorageUnreachable or BucketCheckFailed (storage-failures.ts), not NodeFailed.
 */
export const STORAGE_REASON_PATCH = 'storage-failure-reasons';
const SECRET_REASONS: ReadonlySet<string> = new Set(['SecretNotFound', 'SecretMissingKeys']);
/** The reason of nodes that failed because their bucket does not exist (esop's bucket check said so). */
export const BUCKET_NOT_FOUND = 'BucketNotFound';
/**
 * esop's message for a bucket that does not exist and that the request may not create
 * (BucketService.checkBucket; backups without createMissingBucket, and every restore phase).
 */
const BUCKET_MISSING =
  /Bucket \S+ does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false/;
/** Node failures that have a reason of their own (docs/troubleshooting.md); any other is NodeFailed. */
const NODE_REASONS = new Set([
  'IcarusUnavailable',
  'IcarusRejected',
  'IcarusProtocolError',
  'IcarusOperationLost',
  BUCKET_NOT_FOUND,
  STORAGE_ACCESS_DENIED,
  STORAGE_UNREACHABLE,
  BUCKET_CHECK_FAILED,
]);

/** Why a node whose operation ended without completing failed (NODE_REASONS, or NodeFailed). */
function failedNodeReason(end: { outcome: string; message?: string }): string {
  if (end.outcome === 'UNREACHABLE') return 'IcarusUnavailable';
  if (end.outcome === 'LOST') return 'IcarusOperationLost';
  if (end.outcome !== 'FAILED') return 'NodeFailed';
  const message = end.message ?? '';
  if (BUCKET_MISSING.test(message) && patched(BUCKET_REASON_PATCH)) return BUCKET_NOT_FOUND;
  const storage = storageFailureReason(message);
  return storage && patched(STORAGE_REASON_PATCH) ? storage : 'NodeFailed';
}

/**
 * The Kubernetes activities of a backup or restore. Runs recorded before LOCAL_K8S_PATCH have ordinary
 * activity events and no marker, so they replay (and go on) with ordinary activities.
 */
export function kube(): typeof k8s {
  return patched(LOCAL_K8S_PATCH) ? k8sLocal : k8s;
}
// Submitting to Icarus: a few minutes of retries (a sidecar restarting), then the node counts as failed.
// Waits for completion when cancelled, so that an operation it started is known and cancelled too.
export const submit = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
  },
});

/** How runNodes treats one kind of operation. */
export interface NodeRun {
  submit(node: NodeWork): Promise<{ operationId: string; state: string }>;
  /** Whether an operation Icarus lost may simply be submitted again. */
  resubmitLost(node: NodeWork): boolean;
  /** Called when a node's operation completed; may return an Event to publish. */
  completed(node: NodeWork): ResourceEvent | undefined;
  /** What the watch reports as overall progress (see WatchInput.phaseProgress). */
  phaseProgress?: WatchInput['phaseProgress'];
}

export abstract class ResourceRun {
  protected abstract readonly kind: ResourceKind;
  /** 'Backup' or 'Restore': Event reasons (BackupFailed, RestoreCancelled) and messages. */
  protected abstract readonly noun: 'Backup' | 'Restore';

  protected readonly resource: ResourceWorkflowInput['resource'];
  protected readonly options: ResourceWorkflowInput['options'];
  protected latestGeneration: number;
  protected generation: number;
  protected attempt = 0;
  protected startTime: string | undefined;
  protected readonly progress: RunProgress;
  /** Operations started and not yet ended: what a cancel must stop. */
  protected readonly active = new Map<string, NodeWork>();
  private retryRequested = false;
  protected cancelReason: string | undefined;
  /** The generation a running attempt was stopped for (see SPEC_RESTART_PATCH). */
  private restartFor: number | undefined;
  /** Whether a spec change stops a running attempt (backups) or waits for the next one (restores). */
  protected readonly restartsOnSpecChange: boolean = false;
  private scope: CancellationScope | undefined;
  private lastTransient = '';
  /**
   * NodeFailed Events of nodes whose submission failed: no watch ended them, so they go out with the
   * failure's own Events (the same write: histories from before keep their shape).
   */
  private unreportedFailures: ResourceEvent[] = [];
  /** Why each failed node failed (NodeFailed, or a reason of NODE_REASONS). */
  private readonly nodeReasons = new Map<string, string>();
  /** The Planning status write, left running while the plan is made (see `load`). */
  private planningWrite: Promise<void> | undefined;
  /** Long activities heartbeat: a dead worker's watch moves to another worker after this time-out. */
  protected readonly watch: ReturnType<typeof proxyActivities<Activities>>;

  constructor(input: ResourceWorkflowInput) {
    this.resource = input.resource;
    this.options = input.options;
    this.latestGeneration = input.generation;
    this.generation = input.generation;
    this.progress = {
      attempt: 0,
      state: 'PENDING',
      progress: 0,
      reason: 'Pending',
      message: 'Waiting to start',
      generation: input.generation,
      nodes: [],
    };
    this.watch = proxyActivities<Activities>({
      startToCloseTimeout: '7 days',
      heartbeatTimeout: input.options.heartbeatTimeoutMs,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
    });
  }

  /** One attempt, from reading the spec to success or failure. */
  protected abstract attemptBody(): Promise<AttemptOutcome>;

  /** What the Cancelled condition says besides the operations stopped (e.g. what a restore left behind). */
  protected cancelledNote(): string {
    return '';
  }

  async execute(): Promise<RunResult> {
    setHandler(specChangedSignal, ({ generation }) => {
      if (generation > this.latestGeneration) this.latestGeneration = generation;
      if (
        this.restartsOnSpecChange &&
        this.scope &&
        generation > this.generation &&
        !this.cancelReason &&
        patched(SPEC_RESTART_PATCH)
      ) {
        this.restartFor = generation;
        this.scope.cancel();
      }
    });
    setHandler(retrySignal, () => {
      this.retryRequested = true;
    });
    setHandler(cancelSignal, (arg) => {
      this.cancelReason ??= arg?.reason ?? 'CancelRequested';
      this.scope?.cancel();
    });
    setHandler(progressQuery, () => ({
      ...this.progress,
      nodes: this.progress.nodes.map((n) => ({ ...n })),
      ...(this.progress.phases ? { phases: this.progress.phases.map((p) => ({ ...p })) } : {}),
    }));

    try {
      return await this.loop();
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // Temporal's own cancel (Web UI, `temporal workflow cancel`): same clean-up as the signal.
      this.cancelReason ??= 'WorkflowCancelled';
      await this.finishCancelled();
      throw err;
    }
  }

  private async loop(): Promise<RunResult> {
    let transientSince: number | undefined;
    let recheckMs = 5_000;
    for (;;) {
      if (this.cancelReason) return this.endCancelled();
      this.attempt += 1;
      const outcome = await this.runAttempt();
      if (outcome === 'cancelled' || outcome.kind === 'cancelled') return this.endCancelled();
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
        if (Date.now() - transientSince < this.options.retryWindowMs) {
          await this.reportWaiting(outcome.reason, outcome.message);
          await this.waitForRetry(recheckMs);
          recheckMs = Math.min(recheckMs * 2, 60_000);
          continue;
        }
      }
      transientSince = undefined;
      recheckMs = 5_000;
      await this.reportFailed(outcome.reason, outcome.message);
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

  /** The attempt that follows a failure (not a transient wait) is a retry. */
  protected get retrying(): boolean {
    return this.attempt > 1 && this.progress.state === 'FAILED';
  }

  /** Waits for the retry signal, a new generation or a cancel; false when the time ran out. */
  private async waitForRetry(timeoutMs: number): Promise<boolean> {
    this.retryRequested = false;
    return condition(
      () => this.retryRequested || this.latestGeneration > this.generation || Boolean(this.cancelReason),
      timeoutMs,
    );
  }

  private async runAttempt(): Promise<AttemptOutcome | 'cancelled'> {
    this.unreportedFailures = [];
    this.restartFor = undefined;
    const scope = new CancellationScope();
    this.scope = scope;
    try {
      return await scope.run(() => this.attemptBody());
    } catch (err) {
      if (isCancellation(err) && this.cancelReason) return 'cancelled';
      if (isCancellation(err) && this.restartFor !== undefined)
        return this.stopForSpecChange(this.restartFor);
      throw err;
    } finally {
      this.scope = undefined;
    }
  }

  /** The spec changed under the attempt: stop what it started, say so, and let the loop start again. */
  private async stopForSpecChange(generation: number): Promise<AttemptOutcome> {
    return CancellationScope.nonCancellable(async () => {
      const outcomes = await this.cancelActive();
      await this.emit({
        type: 'Normal',
        reason: 'SpecChanged',
        message: `The spec changed (generation ${generation}) while generation ${this.generation} was being run${describeStopped(outcomes)}; starting again with the new spec`,
      });
      return { kind: 'restart' };
    });
  }

  /**
   * A cancel (or a spec change that restarts) is known: throw the cancellation here rather than start
   * anything new. Under NO_SUBMIT_AFTER_CANCEL_PATCH only.
   */
  private throwIfStopping(): void {
    const stopping =
      Boolean(this.cancelReason) ||
      this.restartFor !== undefined ||
      CancellationScope.current().consideredCancelled;
    if (stopping && patched(NO_SUBMIT_AFTER_CANCEL_PATCH)) {
      throw new CancelledFailure(`${this.noun.toLowerCase()} stopping: nothing new is submitted`);
    }
  }

  /** The resource, read again just before success: a spec that changed since the attempt began restarts. */
  protected async stillCurrent(
    read: () => Promise<{ generation: number; deleting?: boolean } | undefined>,
  ): Promise<AttemptOutcome | undefined> {
    if (!patched(SPEC_RESTART_PATCH)) return undefined;
    const now = await read();
    if (!now) return { kind: 'gone' };
    if (now.deleting) {
      this.cancelReason ??= 'ResourceDeleted';
      return { kind: 'cancelled' };
    }
    if (now.generation <= this.generation) return undefined;
    this.latestGeneration = Math.max(this.latestGeneration, now.generation);
    await this.emit({
      type: 'Normal',
      reason: 'SpecChanged',
      message: `The spec changed (generation ${now.generation}) while generation ${this.generation} was being run; starting again with the new spec`,
    });
    return { kind: 'restart' };
  }

  /**
   * The start of every attempt: reads the resource (an outcome when it is gone or its spec is invalid),
   * records the generation it works on and marks it Planning.
   */
  protected async load<L extends { generation: number; deleting?: boolean }>(
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
      this.cancelReason ??= 'ResourceDeleted';
      return { kind: 'cancelled' };
    }
    this.generation = loaded.generation;
    this.latestGeneration = Math.max(this.latestGeneration, loaded.generation);
    this.progress.generation = loaded.generation;
    this.progress.attempt = this.attempt;
    const write = this.setStatus(
      {
        observedGeneration: this.generation,
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
    if (patched(LOCAL_K8S_PATCH)) {
      // Handled here so that a failing write is not an unhandled rejection; its error still reaches the
      // next status write, which awaits it.
      write.catch(() => undefined);
      this.planningWrite = write;
    } else await write;
    return loaded;
  }

  /** A plan succeeded: the next transient problem is news again. */
  protected planned(): void {
    this.lastTransient = '';
  }

  /**
   * Runs every pending node's operation, at most maxParallelNodes at a time, and watches them with one
   * activity. A lost operation is submitted again when the kind allows it. Returns the nodes that
   * failed, or 'timeout' (after cancelling what still ran).
   */
  protected async runNodes(
    nodes: NodeWork[],
    pending: NodeWork[],
    deadline: number,
    run: NodeRun,
  ): Promise<NodeWork[] | 'timeout'> {
    const queue = [...pending];
    const failed: NodeWork[] = [];
    const resubmits = new Map<string, number>();
    while (queue.length > 0 || this.active.size > 0) {
      this.throwIfStopping();
      const batch = queue.splice(0, Math.max(0, this.options.maxParallelNodes - this.active.size));
      await Promise.all(
        batch.map(async (node) => {
          try {
            const submitted = await run.submit(node);
            node.operationId = submitted.operationId;
            node.state = submitted.state;
            node.progress = 0;
            node.startTime = new Date().toISOString();
            delete node.completionTime;
            delete node.lastError;
            this.active.set(node.pod, node);
          } catch (err) {
            // Siblings still in flight may yet start operations: settle them all, then stop (below).
            if (isCancellation(err) && !patched(NO_SUBMIT_AFTER_CANCEL_PATCH)) throw err;
            if (isCancellation(err)) return;
            if (failureType(err) === FailureType.resourceDeleted) {
              this.cancelReason ??= 'ResourceDeleted';
              this.scope?.cancel();
              return;
            }
            node.state = 'FAILED';
            node.lastError = failureMessage(err);
            this.nodeReasons.set(node.pod, failureType(err) ?? 'NodeFailed');
            failed.push(node);
            this.unreportedFailures.push({
              type: 'Warning',
              reason: 'NodeFailed',
              message: `Node ${node.pod}${node.phase ? ` (${node.phase})` : ''}: ${node.lastError}`,
            });
          }
        }),
      );
      this.throwIfStopping();
      if (this.active.size === 0) continue;
      const result = await this.watchNodes(nodes, [...this.active.keys()], {
        returnWhen: queue.length > 0 ? 'any' : 'all',
        deadline,
        ...(run.phaseProgress ? { phaseProgress: run.phaseProgress } : {}),
      });
      result.nodes.forEach((n, i) => Object.assign(nodes[i] ?? {}, n));
      this.updateProgress();
      const events: ResourceEvent[] = [];
      for (const end of result.ended) {
        const node = nodes.find((n) => n.pod === end.pod);
        this.active.delete(end.pod);
        if (!node) continue;
        if (end.outcome === 'COMPLETED') {
          const event = run.completed(node);
          if (event) events.push(event);
        } else if (
          end.outcome === 'LOST' &&
          run.resubmitLost(node) &&
          (resubmits.get(node.pod) ?? 0) < MAX_RESUBMITS
        ) {
          resubmits.set(node.pod, (resubmits.get(node.pod) ?? 0) + 1);
          const lost = node.operationId;
          delete node.operationId;
          node.lastError = `Icarus lost operation ${lost} (sidecar restarted?); submitted again`;
          queue.unshift(node);
          events.push({
            type: 'Warning',
            reason: 'OperationLost',
            message: `Node ${node.pod}: ${node.lastError}`,
          });
        } else {
          failed.push(node);
          this.nodeReasons.set(node.pod, failedNodeReason(end));
          events.push({
            type: 'Warning',
            reason: 'NodeFailed',
            message: `Node ${node.pod}${node.phase ? ` (${node.phase})` : ''}: ${end.message ?? node.lastError ?? end.outcome}`,
          });
        }
      }
      await this.emit(...events);
      if (result.timedOut) {
        await this.cancelActive();
        return 'timeout';
      }
    }
    return failed;
  }

  /**
   * The condition reason of failed nodes: what they all failed of when it has a reason of its own (every
   * node unreachable, every request rejected ...), NodeFailed otherwise.
   */
  protected nodesFailedReason(failed: NodeWork[]): string {
    const reasons = new Set(failed.map((n) => this.nodeReasons.get(n.pod) ?? 'NodeFailed'));
    const [only] = reasons;
    if (reasons.size === 1 && only && SECRET_REASONS.has(only)) {
      return patched(SECRET_REASON_PATCH) ? only : 'NodeFailed';
    }
    if (reasons.size !== 1 || !only || !NODE_REASONS.has(only)) return 'NodeFailed';
    return patched(NODE_REASON_PATCH) ? only : 'NodeFailed';
  }

  protected watchNodes(
    nodes: NodeWork[],
    active: string[],
    opts: Pick<WatchInput, 'returnWhen' | 'deadline' | 'silent' | 'phaseProgress'>,
  ): Promise<WatchResult> {
    return this.watch.watchOperations({
      resource: this.resource,
      kind: this.kind,
      nodes,
      active,
      ...opts,
      pollIntervalMs: this.options.pollIntervalMs,
      unreachableAfterMs: this.options.unreachableAfterMs,
    });
  }

  /** Asks Icarus to stop every started operation and waits for them (bounded by the grace period). */
  protected async cancelActive(): Promise<Record<string, string>> {
    const operations = [...this.active.entries()]
      .filter(([, n]) => n.operationId)
      .map(([key, n]) => ({ pod: key, icarusUrl: n.icarusUrl, operationId: n.operationId ?? '' }));
    if (operations.length === 0) return {};
    const { outcomes } = await this.watch.cancelOperations({
      resource: this.resource,
      operations,
      graceMs: this.options.cancelGraceMs,
      pollIntervalMs: this.options.pollIntervalMs,
    });
    for (const [key, state] of Object.entries(outcomes)) {
      const node = this.active.get(key);
      if (node && !key.includes('#')) {
        node.state = state === 'ABANDONED' ? 'RUNNING' : state;
        node.lastError =
          state === 'ABANDONED'
            ? `still running ${Math.round(this.options.cancelGraceMs / 1000)} s after the cancel request: abandoned`
            : `cancelled (${state})`;
      }
      this.active.delete(key);
    }
    return outcomes;
  }

  private async endCancelled(): Promise<never> {
    await this.finishCancelled();
    throw ApplicationFailure.create({
      message: `${this.noun.toLowerCase()} cancelled (${this.cancelReason ?? 'CancelRequested'})`,
      type: 'Cancelled',
      nonRetryable: true,
    });
  }

  /** Clean-up that must run even when the workflow itself is being cancelled. */
  private async finishCancelled(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const outcomes = await this.cancelActive();
      const reason = this.cancelReason === 'ResourceDeleted' ? 'ResourceDeleted' : 'Cancelled';
      const noun = this.noun.toLowerCase();
      const message =
        (reason === 'ResourceDeleted'
          ? `The resource was deleted: ${noun} cancelled`
          : `${this.noun} cancelled`) +
        describeStopped(outcomes) +
        this.cancelledNote();
      this.progress.state = 'CANCELLED';
      await this.emit({ type: 'Warning', reason: `${this.noun}Cancelled`, message });
      await this.setStatus(
        {
          state: 'CANCELLED',
          completionTime: new Date().toISOString(),
          errors: nodeErrors(this.progress.nodes),
          nodes: this.progress.nodes.map(nodeStatus),
          ...this.terminalFields(),
        },
        'False',
        reason,
        message,
      );
    });
  }

  /** Extra status fields written with FAILED and CANCELLED (a restore's phases). */
  protected terminalFields(): Record<string, unknown> {
    return {};
  }

  /** The overall percentage after a watch returned. */
  protected updateProgress(): void {
    this.progress.progress = overallProgress(this.progress.nodes);
  }

  protected async reportWaiting(reason: string, message: string): Promise<void> {
    this.progress.state = 'PENDING';
    await this.setStatus({ state: 'PENDING' }, 'Unknown', reason, message);
    const key = `${reason}:${message}`;
    if (key !== this.lastTransient) {
      this.lastTransient = key;
      await this.emit({ type: 'Warning', reason, message: `${message} (checking again)` });
    }
  }

  protected async reportFailed(reason: string, message: string): Promise<void> {
    this.progress.state = 'FAILED';
    const errors = nodeErrors(this.progress.nodes);
    // The Event first: whoever waits for the condition finds the Event already there.
    await this.emit(
      { type: 'Warning', reason: `${this.noun}Failed`, message },
      ...(reason !== 'NodeFailed' ? [{ type: 'Warning' as const, reason, message }] : []),
      ...this.unreportedFailures.splice(0),
    );
    await this.setStatus(
      {
        state: 'FAILED',
        errors: errors.length ? errors : [{ message }],
        completionTime: new Date().toISOString(),
        nodes: this.progress.nodes.map(nodeStatus),
        ...this.terminalFields(),
      },
      'False',
      reason,
      message,
    );
  }

  protected async setStatus(
    fields: Record<string, unknown>,
    succeeded: ConditionChange['status'],
    reason: string,
    message: string,
  ): Promise<void> {
    const planningWrite = this.planningWrite;
    this.planningWrite = undefined;
    await planningWrite;
    this.progress.reason = reason;
    this.progress.message = message;
    if (typeof fields.state === 'string') this.progress.state = fields.state;
    await kube().writeStatus({
      kind: this.kind,
      resource: this.resource,
      change: {
        fields,
        generation: this.generation,
        conditions: [{ type: 'Succeeded', status: succeeded, reason, message }],
      },
    });
  }

  protected async emit(...events: ResourceEvent[]): Promise<void> {
    if (events.length === 0) return;
    await kube().publishEvents({ kind: this.kind, resource: this.resource, events });
  }
}

/**
 * What a cancel did to the operations it asked Icarus to stop, by how each ended: "; Icarus operations:
 * 2 cancelled, 1 had already completed". Empty when none was running.
 */
export function describeStopped(outcomes: Record<string, string>): string {
  const counts = new Map<string, number>();
  for (const state of Object.values(outcomes)) counts.set(state, (counts.get(state) ?? 0) + 1);
  if (counts.size === 0) return '';
  const words: Record<string, string> = {
    CANCELLED: 'cancelled',
    COMPLETED: 'had already completed',
    // Icarus ends an operation it stopped on request FAILED ("… (cancelled)"), as esop does.
    FAILED: 'stopped (ended FAILED)',
    LOST: 'were no longer known to Icarus',
    ABANDONED: 'still running and abandoned',
  };
  const parts = [...counts].map(([state, n]) => `${n} ${words[state] ?? state}`);
  return `; Icarus operations: ${parts.join(', ')}`;
}

export function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The ApplicationFailure type of an activity failure (IcarusRejected ...), when it has one. */
function failureType(err: unknown): string | undefined {
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

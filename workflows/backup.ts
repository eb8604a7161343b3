// One CassandraBackup, from creation to its end: read the spec, plan (nodes, credentials, tag), back up
// every node with bounded concurrency, write the cluster topology once all succeeded, then succeed.
// A failure is written to the resource and the workflow waits for the retry signal or a spec change
// (nodes that already succeeded are not backed up again), up to the retry window. Cancel (a signal, the
// resource's deletion or Temporal's own cancel) asks Icarus to stop and waits for its operations.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import {
  cancelSignal,
  progressQuery,
  retrySignal,
  specChangedSignal,
  type BackupPlan,
  type BackupProgress,
  type BackupWorkflowInput,
  type ConditionChange,
  type NodeWork,
  type ResourceEvent,
  type WatchInput,
  type WatchResult,
} from './definitions.js';
import { nodeErrors, nodeStatus, overallProgress } from './node-progress.js';

export interface BackupResult {
  outcome: 'Succeeded' | 'ResourceGone';
  snapshotTag?: string;
  nodes: number;
}

type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'gone' }
  | { kind: 'failed'; reason: string; message: string; transient: boolean };

const KIND = 'CassandraBackup' as const;
/** A node whose Icarus lost its operation (sidecar restart) is submitted again at most this often. */
const MAX_RESUBMITS = 2;

// Kubernetes reads and writes, planning: short, retried on transient errors.
const k8s = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});
// Submitting to Icarus: a few minutes of retries (a sidecar restarting), then the node counts as failed.
// Waits for completion when cancelled, so that an operation it started is known and cancelled too.
const submit = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
  },
});

export async function backupWorkflow(input: BackupWorkflowInput): Promise<BackupResult> {
  return new BackupRun(input).execute();
}

class BackupRun {
  private readonly resource: BackupWorkflowInput['resource'];
  private readonly options: BackupWorkflowInput['options'];
  private latestGeneration: number;
  private generation: number;
  private retryRequested = false;
  private cancelReason: string | undefined;
  private scope: CancellationScope | undefined;
  private attempt = 0;
  /** The tag of the last attempt: a retry of the same generation keeps it (and the nodes done under it). */
  private previousTag: { resolvedTag: string; schemaVersion: string; generation: number } | undefined;
  /** Nodes backed up in an earlier attempt: kept while the generation and the tag stay the same. */
  private completed = { generation: 0, tag: '', nodes: new Map<string, NodeWork>() };
  /** Operations started and not yet ended: what a cancel must stop. */
  private readonly active = new Map<string, NodeWork>();
  private startTime: string | undefined;
  private lastTransient = '';
  private readonly progress: BackupProgress;
  /** Long activities heartbeat: a dead worker's watch moves to another worker after this time-out. */
  private readonly watch: ReturnType<typeof proxyActivities<Activities>>;

  constructor(input: BackupWorkflowInput) {
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

  async execute(): Promise<BackupResult> {
    setHandler(specChangedSignal, ({ generation }) => {
      if (generation > this.latestGeneration) this.latestGeneration = generation;
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

  private async loop(): Promise<BackupResult> {
    let transientSince: number | undefined;
    let recheckMs = 5_000;
    for (;;) {
      if (this.cancelReason) return this.endCancelled();
      this.attempt += 1;
      const outcome = await this.runAttempt();
      if (outcome === 'cancelled') return this.endCancelled();
      if (outcome.kind === 'gone') {
        log.info('The resource is gone: nothing left to do');
        return { outcome: 'ResourceGone', nodes: this.progress.nodes.length };
      }
      if (outcome.kind === 'succeeded') {
        return {
          outcome: 'Succeeded',
          snapshotTag: this.progress.snapshotTag,
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

  /** Waits for the retry signal, a new generation or a cancel; false when the time ran out. */
  private async waitForRetry(timeoutMs: number): Promise<boolean> {
    this.retryRequested = false;
    return condition(
      () => this.retryRequested || this.latestGeneration > this.generation || Boolean(this.cancelReason),
      timeoutMs,
    );
  }

  private async runAttempt(): Promise<AttemptOutcome | 'cancelled'> {
    const scope = new CancellationScope();
    this.scope = scope;
    try {
      return await scope.run(() => this.attemptBody());
    } catch (err) {
      if (isCancellation(err) && this.cancelReason) return 'cancelled';
      throw err;
    } finally {
      this.scope = undefined;
    }
  }

  private async attemptBody(): Promise<AttemptOutcome> {
    const retried = this.attempt > 1 && this.progress.state === 'FAILED';
    let loaded;
    try {
      loaded = await k8s.loadBackup(this.resource);
    } catch (err) {
      return failedFrom(err, 'InvalidSpec');
    }
    if (!loaded) return { kind: 'gone' };
    this.generation = loaded.generation;
    this.latestGeneration = Math.max(this.latestGeneration, loaded.generation);
    this.progress.generation = loaded.generation;
    this.progress.attempt = this.attempt;
    const spec = loaded.spec;

    await this.setStatus(
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
      `Finding the nodes of cluster ${spec.cassandraCluster} and checking Secret ${spec.secretName}`,
    );

    let plan: BackupPlan;
    try {
      // A new spec is a new backup: new tag, every node again (and an operation of the old spec is never
      // mistaken for one of the new, since operations are matched by tag).
      const previousTag =
        this.previousTag?.generation === this.generation
          ? { resolvedTag: this.previousTag.resolvedTag, schemaVersion: this.previousTag.schemaVersion }
          : undefined;
      plan = await k8s.planBackup({ resource: this.resource, spec, previousTag });
    } catch (err) {
      return failedFrom(err, 'PlanningFailed');
    }
    this.lastTransient = '';
    this.previousTag = {
      resolvedTag: plan.resolvedTag,
      schemaVersion: plan.schemaVersion,
      generation: this.generation,
    };
    const reuse = this.completed.generation === this.generation && this.completed.tag === plan.resolvedTag;
    const nodes: NodeWork[] = plan.nodes.map((n) => (reuse && this.completed.nodes.get(n.pod)) || { ...n });
    if (!reuse) this.completed = { generation: this.generation, tag: plan.resolvedTag, nodes: new Map() };
    this.progress.nodes = nodes;
    this.progress.snapshotTag = plan.resolvedTag;
    this.startTime ??= new Date().toISOString();

    const pending = nodes.filter((n) => n.state !== 'COMPLETED');
    const skipped = nodes.length - pending.length;
    await this.setStatus(
      {
        state: 'RUNNING',
        progress: overallProgress(nodes),
        snapshotTag: plan.resolvedTag,
        schemaVersion: plan.schemaVersion,
        startTime: this.startTime,
        nodes: nodes.map(nodeStatus),
      },
      'Unknown',
      'Running',
      `Backing up ${pending.length} node(s) of cluster ${spec.cassandraCluster} to ${spec.storageLocation} as ${plan.resolvedTag}`,
    );
    await this.emit({
      type: 'Normal',
      reason: retried ? 'BackupRetried' : 'BackupStarted',
      message: `${retried ? 'Retrying' : 'Started'} the backup of ${pending.length} node(s) as ${plan.resolvedTag}${skipped ? ` (${skipped} node(s) already backed up are kept)` : ''}`,
    });

    const deadline = Date.now() + spec.timeout * 3_600_000;
    const failed = await this.backUpNodes(spec, plan, nodes, pending, deadline);
    if (failed === 'timeout') {
      return {
        kind: 'failed',
        reason: 'Timeout',
        message: `the backup did not finish within spec.timeout (${spec.timeout} h); its operations were cancelled`,
        transient: false,
      };
    }
    if (failed.length > 0) {
      return {
        kind: 'failed',
        reason: 'NodeFailed',
        message: `${failed.length} of ${nodes.length} node(s) failed: ${failed.map((n) => `${n.pod}: ${n.lastError ?? 'failed'}`).join('; ')}`,
        transient: false,
      };
    }

    const topology = await this.uploadTopology(spec, plan, nodes, deadline);
    if (topology) return topology;

    this.progress.state = 'COMPLETED';
    this.progress.progress = 100;
    this.progress.reason = 'Completed';
    await this.emit({
      type: 'Normal',
      reason: 'BackupSucceeded',
      message: `Backed up ${nodes.length} node(s) to ${spec.storageLocation} as ${plan.resolvedTag}`,
    });
    await this.setStatus(
      {
        state: 'COMPLETED',
        progress: 100,
        errors: null,
        completionTime: new Date().toISOString(),
        nodes: nodes.map(nodeStatus),
      },
      'True',
      'Completed',
      `Backed up ${nodes.length} node(s) to ${spec.storageLocation} as ${plan.resolvedTag}`,
    );
    return { kind: 'succeeded' };
  }

  /** Runs every pending node, at most maxParallelNodes at a time. Returns the failed nodes, or 'timeout'. */
  private async backUpNodes(
    spec: CassandraBackupSpec,
    plan: BackupPlan,
    nodes: NodeWork[],
    pending: NodeWork[],
    deadline: number,
  ): Promise<NodeWork[] | 'timeout'> {
    const queue = [...pending];
    const failed: NodeWork[] = [];
    const resubmits = new Map<string, number>();
    while (queue.length > 0 || this.active.size > 0) {
      const batch = queue.splice(0, Math.max(0, this.options.maxParallelNodes - this.active.size));
      await Promise.all(
        batch.map(async (node) => {
          try {
            const submitted = await this.submitTo(node, spec, plan);
            node.operationId = submitted.operationId;
            node.state = submitted.state;
            node.progress = 0;
            node.startTime = new Date().toISOString();
            delete node.completionTime;
            delete node.lastError;
            this.active.set(node.pod, node);
          } catch (err) {
            if (isCancellation(err)) throw err;
            node.state = 'FAILED';
            node.lastError = failureMessage(err);
            failed.push(node);
          }
        }),
      );
      if (this.active.size === 0) continue;
      const result = await this.watchNodes(nodes, [...this.active.keys()], {
        returnWhen: queue.length > 0 ? 'any' : 'all',
        deadline,
      });
      result.nodes.forEach((n, i) => Object.assign(nodes[i] ?? {}, n));
      this.progress.progress = overallProgress(nodes);
      const events: ResourceEvent[] = [];
      for (const end of result.ended) {
        const node = nodes.find((n) => n.pod === end.pod);
        this.active.delete(end.pod);
        if (!node) continue;
        if (end.outcome === 'COMPLETED') {
          this.completed.nodes.set(node.pod, { ...node });
          events.push({ type: 'Normal', reason: 'NodeBackedUp', message: `Node ${node.pod} backed up` });
        } else if (end.outcome === 'LOST' && (resubmits.get(node.pod) ?? 0) < MAX_RESUBMITS) {
          // Its Icarus restarted: the operation died with it. A backup is safe to run again under the same
          // tag (files are content-addressed; the manifest is rewritten), so submit it once more.
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
          events.push({
            type: 'Warning',
            reason: 'NodeFailed',
            message: `Node ${node.pod}: ${end.message ?? node.lastError ?? end.outcome}`,
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

  /** Icarus's coordinator writes topology/<tag>.json once every node succeeded: one node does it here. */
  private async uploadTopology(
    spec: CassandraBackupSpec,
    plan: BackupPlan,
    nodes: NodeWork[],
    deadline: number,
  ): Promise<AttemptOutcome | undefined> {
    const first = nodes[0];
    if (!first) return undefined;
    const node: NodeWork = { ...first, operationId: undefined, state: undefined, progress: 0 };
    try {
      const submitted = await this.submitTo(node, spec, plan, true);
      node.operationId = submitted.operationId;
      this.active.set(`${node.pod}#topology`, node);
      const result = await this.watchNodes([node], [node.pod], { returnWhen: 'all', deadline, silent: true });
      this.active.delete(`${node.pod}#topology`);
      const end = result.ended[0];
      if (result.timedOut) {
        await this.cancelActive();
        return {
          kind: 'failed',
          reason: 'Timeout',
          message: 'the topology upload did not finish within spec.timeout',
          transient: false,
        };
      }
      if (end?.outcome === 'COMPLETED') return undefined;
      return {
        kind: 'failed',
        reason: 'TopologyUploadFailed',
        message: `every node was backed up, but writing the cluster topology from ${node.pod} failed: ${end?.message ?? end?.outcome ?? 'unknown'}`,
        transient: false,
      };
    } catch (err) {
      if (isCancellation(err)) throw err;
      return {
        kind: 'failed',
        reason: 'TopologyUploadFailed',
        message: `every node was backed up, but writing the cluster topology failed: ${failureMessage(err)}`,
        transient: false,
      };
    }
  }

  private submitTo(
    node: NodeWork,
    spec: CassandraBackupSpec,
    plan: BackupPlan,
    uploadClusterTopology = false,
  ) {
    const { nodes: _all, ...planFields } = plan;
    return submit.submitBackup({
      resource: this.resource,
      spec,
      plan: planFields,
      node,
      uploadClusterTopology,
    });
  }

  private watchNodes(
    nodes: NodeWork[],
    active: string[],
    opts: Pick<WatchInput, 'returnWhen' | 'deadline' | 'silent'>,
  ): Promise<WatchResult> {
    return this.watch.watchOperations({
      resource: this.resource,
      kind: KIND,
      nodes,
      active,
      ...opts,
      pollIntervalMs: this.options.pollIntervalMs,
      unreachableAfterMs: this.options.unreachableAfterMs,
    });
  }

  /** Asks Icarus to stop every started operation and waits for them (bounded by the grace period). */
  private async cancelActive(): Promise<Record<string, string>> {
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
      message: `backup cancelled (${this.cancelReason ?? 'CancelRequested'})`,
      type: 'Cancelled',
      nonRetryable: true,
    });
  }

  /** Clean-up that must run even when the workflow itself is being cancelled. */
  private async finishCancelled(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const outcomes = await this.cancelActive();
      const reason = this.cancelReason === 'ResourceDeleted' ? 'ResourceDeleted' : 'Cancelled';
      const abandoned = Object.values(outcomes).filter((s) => s === 'ABANDONED').length;
      const message =
        (reason === 'ResourceDeleted' ? 'The resource was deleted: backup cancelled' : 'Backup cancelled') +
        (Object.keys(outcomes).length
          ? `; ${Object.keys(outcomes).length} Icarus operation(s) stopped${abandoned ? `, ${abandoned} still running and abandoned` : ''}`
          : '');
      this.progress.state = 'CANCELLED';
      await this.emit({ type: 'Warning', reason: 'BackupCancelled', message });
      await this.setStatus(
        {
          state: 'CANCELLED',
          completionTime: new Date().toISOString(),
          errors: nodeErrors(this.progress.nodes),
          nodes: this.progress.nodes.map(nodeStatus),
        },
        'False',
        reason,
        message,
      );
    });
  }

  private async reportWaiting(reason: string, message: string): Promise<void> {
    this.progress.state = 'PENDING';
    await this.setStatus({ state: 'PENDING' }, 'Unknown', reason, message);
    const key = `${reason}:${message}`;
    if (key !== this.lastTransient) {
      this.lastTransient = key;
      await this.emit({ type: 'Warning', reason, message: `${message} (checking again)` });
    }
  }

  private async reportFailed(reason: string, message: string): Promise<void> {
    this.progress.state = 'FAILED';
    const errors = nodeErrors(this.progress.nodes);
    // The Event first: whoever waits for the condition finds the Event already there.
    await this.emit(
      { type: 'Warning', reason: 'BackupFailed', message },
      ...(reason !== 'NodeFailed' ? [{ type: 'Warning' as const, reason, message }] : []),
    );
    await this.setStatus(
      {
        state: 'FAILED',
        errors: errors.length ? errors : [{ message }],
        completionTime: new Date().toISOString(),
        nodes: this.progress.nodes.map(nodeStatus),
      },
      'False',
      reason,
      message,
    );
  }

  private async setStatus(
    fields: Record<string, unknown>,
    succeeded: ConditionChange['status'],
    reason: string,
    message: string,
  ): Promise<void> {
    this.progress.reason = reason;
    this.progress.message = message;
    if (typeof fields.state === 'string') this.progress.state = fields.state;
    await k8s.writeStatus({
      kind: KIND,
      resource: this.resource,
      change: {
        fields,
        generation: this.generation,
        conditions: [{ type: 'Succeeded', status: succeeded, reason, message }],
      },
    });
  }

  private async emit(...events: ResourceEvent[]): Promise<void> {
    if (events.length === 0) return;
    await k8s.publishEvents({ kind: KIND, resource: this.resource, events });
  }
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** An activity failure as a failed attempt: the ApplicationFailure's type is the condition reason. */
function failedFrom(err: unknown, fallbackReason: string): AttemptOutcome {
  if (isCancellation(err)) throw err;
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { transient?: boolean } | undefined;
    return {
      kind: 'failed',
      reason: cause.type && /^[A-Z][A-Za-z0-9]*$/.test(cause.type) ? cause.type : fallbackReason,
      message: cause.message,
      transient: details?.transient === true,
    };
  }
  return { kind: 'failed', reason: fallbackReason, message: failureMessage(err), transient: false };
}

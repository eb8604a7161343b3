// One CassandraBackup, from creation to its end: read the spec, plan (nodes, credentials, tag), back up
// every node with bounded concurrency, write the cluster topology once all succeeded, then succeed.
// A failure is written to the resource and the workflow waits for the retry signal or a spec change
// (nodes that already succeeded are not backed up again), up to the retry window. Cancel (a signal, the
// resource's deletion or Temporal's own cancel) asks Icarus to stop and waits for its operations.
import { isCancellation, patched } from '@temporalio/workflow';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import type { BackupPlan, WatchResult } from '../src/contract/activity-io.js';
import type { BackupWorkflowInput, RunResult } from '../src/contract/runs.js';
import type { NodeWork } from '../src/contract/status.js';
import { nodeStatus, overallProgress } from '../src/contract/node-progress.js';
import {
  failedFrom,
  failureMessage,
  kube,
  MAX_RESUBMITS,
  ResourceRun,
  submit,
  type AttemptOutcome,
} from './resource-run.js';

/** From this patch on, a topology upload that Icarus lost is submitted again (runs before failed it). */
export const TOPOLOGY_RESUBMIT_PATCH = 'topology-upload-resubmits';

export async function backupWorkflow(input: BackupWorkflowInput): Promise<RunResult> {
  return new BackupRun(input).execute();
}

class BackupRun extends ResourceRun {
  protected readonly kind = 'CassandraBackup' as const;
  protected readonly noun = 'Backup' as const;
  /** A backup is of one spec: a change while it runs stops the attempt and starts again (docs/operator.md). */
  protected override readonly restartsOnSpecChange = true;
  /** The tag of the last attempt: a retry of the same generation keeps it (and the nodes done under it). */
  private previousTag: { resolvedTag: string; schemaVersion: string; generation: number } | undefined;
  /** Nodes backed up in an earlier attempt: kept while the generation and the tag stay the same. */
  private completed = { generation: 0, tag: '', nodes: new Map<string, NodeWork>() };

  protected async attemptBody(): Promise<AttemptOutcome> {
    const retried = this.retrying;
    const loaded = await this.load(
      () => kube().loadBackup(this.resource),
      ({ spec }) =>
        `Finding the nodes of cluster ${spec.cassandraCluster} and checking Secret ${spec.secretName}`,
    );
    if ('kind' in loaded) return loaded;
    const spec = loaded.spec;

    let plan: BackupPlan;
    try {
      // A new spec is a new backup: new tag, every node again (and an operation of the old spec is never
      // mistaken for one of the new, since operations are matched by tag).
      const previousTag =
        this.previousTag?.generation === this.generation
          ? { resolvedTag: this.previousTag.resolvedTag, schemaVersion: this.previousTag.schemaVersion }
          : undefined;
      plan = await kube().planBackup({ resource: this.resource, spec, previousTag });
    } catch (err) {
      return failedFrom(err, 'PlanningFailed');
    }
    this.planned();
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
    const failed = await this.runNodes(nodes, pending, deadline, {
      submit: (node) => this.submitTo(node, spec, plan),
      // Its Icarus restarted: the operation died with it. A backup is safe to run again under the same
      // tag (files are content-addressed; the manifest is rewritten).
      resubmitLost: () => true,
      completed: (node) => {
        this.completed.nodes.set(node.pod, { ...node });
        return { type: 'Normal', reason: 'NodeBackedUp', message: `Node ${node.pod} backed up` };
      },
    });
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
        reason: this.nodesFailedReason(failed),
        message: `${failed.length} of ${nodes.length} node(s) failed: ${failed.map((n) => `${n.pod}: ${n.lastError ?? 'failed'}`).join('; ')}`,
        transient: false,
      };
    }

    const topology = await this.uploadTopology(spec, plan, nodes, deadline);
    if (topology) return topology;
    // Never a success for a spec that is no longer the resource's (a change the watcher could not signal).
    const changed = await this.stillCurrent(() => kube().loadBackup(this.resource));
    if (changed) return changed;

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

  /**
   * Icarus's coordinator writes topology/<tag>.json once every node succeeded: one node does it here. An
   * upload that Icarus lost (its sidecar restarted) is submitted again like any node's operation, at most
   * MAX_RESUBMITS times: writing the file again is harmless.
   */
  private async uploadTopology(
    spec: CassandraBackupSpec,
    plan: BackupPlan,
    nodes: NodeWork[],
    deadline: number,
  ): Promise<AttemptOutcome | undefined> {
    const first = nodes[0];
    if (!first) return undefined;
    const resubmitLost = patched(TOPOLOGY_RESUBMIT_PATCH);
    for (let resubmits = 0; ; resubmits += 1) {
      const node: NodeWork = { ...first, operationId: undefined, state: undefined, progress: 0 };
      let end: WatchResult['ended'][number] | undefined;
      try {
        const submitted = await this.submitTo(node, spec, plan, true);
        node.operationId = submitted.operationId;
        this.active.set(`${node.pod}#topology`, node);
        const result = await this.watchNodes([node], [node.pod], {
          returnWhen: 'all',
          deadline,
          silent: true,
        });
        this.active.delete(`${node.pod}#topology`);
        end = result.ended[0];
        if (result.timedOut) {
          await this.cancelActive();
          return {
            kind: 'failed',
            reason: 'Timeout',
            message: 'the topology upload did not finish within spec.timeout',
            transient: false,
          };
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        return {
          kind: 'failed',
          reason: 'TopologyUploadFailed',
          message: `every node was backed up, but writing the cluster topology failed: ${failureMessage(err)}`,
          transient: false,
        };
      }
      if (end?.outcome === 'COMPLETED') return undefined;
      if (end?.outcome === 'LOST' && resubmitLost && resubmits < MAX_RESUBMITS) {
        await this.emit({
          type: 'Warning',
          reason: 'OperationLost',
          message: `Node ${node.pod}: Icarus lost the topology upload ${node.operationId ?? ''} (sidecar restarted?); submitted again`,
        });
        continue;
      }
      return {
        kind: 'failed',
        reason: end?.outcome === 'LOST' && resubmitLost ? 'IcarusOperationLost' : 'TopologyUploadFailed',
        message: `every node was backed up, but writing the cluster topology from ${node.pod} failed: ${end?.message ?? end?.outcome ?? 'unknown'}`,
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
}

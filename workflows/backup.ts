// One CassandraBackup, from creation to its end: read the spec, plan (nodes, credentials, tag), back up
// every node with bounded concurrency, write the cluster topology once all succeeded, then succeed.
// A failure is written to the resource and the workflow waits for the retry signal or a spec change
// (nodes that already succeeded are not backed up again), up to the retry window. Cancel (a signal, the
// resource's deletion or Temporal's own cancel) asks Icarus to stop and waits for its operations.
import { patched } from '@temporalio/workflow';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import type { BackupPlan } from '../src/contract/activity-io.js';
import type { BackupWorkflowInput, RunResult } from '../src/contract/runs.js';
import type { NodeWork } from '../src/contract/status.js';
import { nodeStatus, overallProgress } from '../src/contract/node-progress.js';
import { uploadTopology } from './backup-topology.js';
import { importFromStorage } from './backup-import.js';
import { ResourceRun, type KindRun } from './resource-run.js';
import { kube, submit } from './run/activities.js';
import type { Work } from './run/operations.js';
import { failedFrom, type AttemptOutcome } from './run/outcomes.js';

/**
 * From this patch on, each node's submission gets the request the plan built once (BackupPlan.request)
 * instead of the spec and the plan: history holds the body every node is sent, and no spec per node.
 */
export const REQUEST_IN_PLAN_PATCH = 'backup-request-built-in-plan';

/** From this patch on, a backup with spec.imported is looked up in storage instead of taken. */
export const IMPORTED_BACKUP_PATCH = 'imported-backups';

/** A backup is of one spec: a change while it runs stops the attempt and starts again (docs/operator.md). */
const BACKUP = { kind: 'CassandraBackup', noun: 'Backup', restartsOnSpecChange: true } as const;

export async function backupWorkflow(input: BackupWorkflowInput): Promise<RunResult> {
  const run = new ResourceRun(input, BACKUP);
  return run.execute(new BackupRun(run));
}

class BackupRun implements KindRun<'CassandraBackup'> {
  /** The tag of the last attempt: a retry of the same generation keeps it (and the nodes done under it). */
  private previousTag: { resolvedTag: string; schemaVersion: string; generation: number } | undefined;
  /** Nodes backed up in an earlier attempt: kept while the generation and the tag stay the same. */
  private completed = { generation: 0, tag: '', nodes: new Map<string, NodeWork>() };
  /** When the first attempt started running. */
  private startTime: string | undefined;

  constructor(private readonly run: ResourceRun<'CassandraBackup'>) {}

  async attempt(): Promise<AttemptOutcome> {
    const run = this.run;
    const retried = run.retrying;
    const loaded = await run.load(
      () => kube().loadBackup(run.resource),
      ({ spec }) =>
        `Finding the nodes of cluster ${spec.cassandraCluster} and checking Secret ${spec.secretName}`,
    );
    if ('kind' in loaded) return loaded;
    const spec = loaded.spec;
    // A backup already in storage: found there, never taken (a new field: no earlier run has it).
    if (spec.imported && patched(IMPORTED_BACKUP_PATCH)) return importFromStorage(run, spec);

    let plan: BackupPlan;
    try {
      // A new spec is a new backup: new tag, every node again (and an operation of the old spec is never
      // mistaken for one of the new, since operations are matched by tag).
      const previousTag =
        this.previousTag?.generation === run.generation
          ? { resolvedTag: this.previousTag.resolvedTag, schemaVersion: this.previousTag.schemaVersion }
          : undefined;
      plan = await kube().planBackup({ resource: run.resource, spec, previousTag });
    } catch (err) {
      return failedFrom(err, 'PlanningFailed');
    }
    run.report.planned();
    this.previousTag = {
      resolvedTag: plan.resolvedTag,
      schemaVersion: plan.schemaVersion,
      generation: run.generation,
    };
    const reuse = this.completed.generation === run.generation && this.completed.tag === plan.resolvedTag;
    const nodes: NodeWork[] = plan.nodes.map((n) => (reuse && this.completed.nodes.get(n.pod)) || { ...n });
    if (!reuse) this.completed = { generation: run.generation, tag: plan.resolvedTag, nodes: new Map() };
    run.progress.nodes = nodes;
    run.progress.snapshotTag = plan.resolvedTag;
    this.startTime ??= new Date().toISOString();

    const pending = nodes.filter((n) => n.state !== 'COMPLETED');
    const skipped = nodes.length - pending.length;
    await run.report.setStatus(
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
    await run.report.emit({
      type: 'Normal',
      reason: retried ? 'BackupRetried' : 'BackupStarted',
      message: `${retried ? 'Retrying' : 'Started'} the backup of ${pending.length} node(s) as ${plan.resolvedTag}${skipped ? ` (${skipped} node(s) already backed up are kept)` : ''}${retried ? run.retryAskedBy : ''}`,
    });

    const deadline = Date.now() + spec.timeout * 3_600_000;
    const failed = await run.scheduler.runNodes(nodes, pending, deadline, {
      submit: (node) => this.submitTo({ kind: 'node', node }, spec, plan),
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
        reason: run.scheduler.failedReason(failed),
        message: `${failed.length} of ${nodes.length} node(s) failed: ${failed.map((n) => `${n.pod}: ${n.lastError ?? 'failed'}`).join('; ')}`,
        transient: false,
      };
    }

    const topology = await uploadTopology(run, nodes, deadline, (upload) =>
      this.submitTo(upload, spec, plan),
    );
    if (topology) return topology;
    // Never a success for a spec that is no longer the resource's (a change the watcher could not signal).
    const changed = await run.stillCurrent(() => kube().loadBackup(run.resource));
    if (changed) return changed;

    run.progress.state = 'COMPLETED';
    run.progress.progress = 100;
    run.progress.reason = 'Completed';
    await run.report.emit({
      type: 'Normal',
      reason: 'BackupSucceeded',
      message: `Backed up ${nodes.length} node(s) to ${spec.storageLocation} as ${plan.resolvedTag}`,
    });
    await run.report.setStatus(
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

  /** A node's backup, or the topology upload: the same request, which says uploadClusterTopology. */
  private submitTo(work: Work, spec: CassandraBackupSpec, plan: BackupPlan) {
    // A plan recorded before the patch has no request: its run goes on as it began.
    if (plan.request && patched(REQUEST_IN_PLAN_PATCH)) {
      return submit.submitBackup({
        resource: this.run.resource,
        request: plan.request,
        clusterName: plan.clusterName,
        secretName: spec.secretName,
        node: work.node,
        uploadClusterTopology: work.kind === 'topology',
      });
    }
    const { nodes: _all, request: _built, ...planFields } = plan;
    return submit.submitBackup({
      resource: this.run.resource,
      spec,
      plan: planFields,
      node: work.node,
      uploadClusterTopology: work.kind === 'topology',
    });
  }
}

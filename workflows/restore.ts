// One CassandraRestore, from creation to its end: read the spec, plan (source, nodes, credentials), then
// the phases Icarus's own coordinator runs, each a barrier over the selected nodes: DOWNLOAD on all,
// TRUNCATE once (truncation is cluster-wide), IMPORT on all, CLEANUP on all.
//
// Resumable at phase granularity: the phases and the nodes done in each live in the workflow's state, so
// a retry (signal or spec change) or a new worker after a crash continues where it stopped; a finished
// phase never runs again and a node done in the current phase is not asked again. TRUNCATE is never
// repeated once it ran: a lost TRUNCATE (Icarus restarted) fails the restore with TruncateLost and only
// the retry signal, sent by a person who read why, runs it again.
import { patched } from '@temporalio/workflow';
import type { CassandraRestoreSpec } from '../src/kube/api/resources.js';
import type { RestorePlan } from '../src/contract/activity-io.js';
import { nodeStatus, overallProgress } from '../src/contract/node-progress.js';
import type { RestoreWorkflowInput, RunResult } from '../src/contract/runs.js';
import {
  restorePhaseNames,
  type NodeWork,
  type PhaseWork,
  type RestorePhaseName,
} from '../src/contract/status.js';
import { ResourceRun, type KindRun, type RunKind } from './resource-run.js';
import { selectRestoreTables } from './restore-tables.js';
import { kube, submit } from './run/activities.js';
import { failedFrom, type AttemptOutcome } from './run/outcomes.js';

/**
 * From this patch on, TRUNCATE waits until every node's download for this restore is confirmed still
 * there (activities/restore-downloads.ts); a node where it cannot be is downloaded again first.
 */
export const DOWNLOAD_CHECK_PATCH = 'confirm-downloads-before-truncate';
/**
 * From this patch on, a restore reads its backup's tables from the manifests in storage before DOWNLOAD
 * and names them to Icarus, so TRUNCATE empties only tables the backup can refill; when they cannot be
 * read, truncated files are kept (noDeleteTruncates) and a Warning says so.
 */
export const BACKUP_TABLES_PATCH = 'truncate-only-backup-tables';
/**
 * From this patch on, a restore whose nodes run Icarus 2.x (which reads the same Secret the operator read
 * the manifests with) fails before any node works when the store answered the operator that the bucket
 * does not exist (BucketNotFound) or that the Secret's credentials may not read it (StorageAccessDenied).
 */
export const STORE_REFUSAL_PATCH = 'store-refusal-before-nodes';
/** The condition reason of each refusal. */
const REFUSAL_REASON = { 'no-bucket': 'BucketNotFound', denied: 'StorageAccessDenied' } as const;

/** The condition reason while a phase runs. */
const RUNNING_REASON: Record<RestorePhaseName, string> = {
  DOWNLOAD: 'Downloading',
  TRUNCATE: 'Truncating',
  IMPORT: 'Importing',
  CLEANUP: 'CleaningUp',
};
/** The Event reason when a phase has finished on every node. */
const DONE_REASON: Record<RestorePhaseName, string> = {
  DOWNLOAD: 'Downloaded',
  TRUNCATE: 'Truncated',
  IMPORT: 'Imported',
  CLEANUP: 'CleanedUp',
};

/** What a restore keeps across attempts (the CRD freezes the source once started). */
class RestoreState {
  /** Per phase, the pods that finished it. */
  readonly done = new Map<RestorePhaseName, Set<string>>(restorePhaseNames.map((p) => [p, new Set()]));
  readonly phases: PhaseWork[] = restorePhaseNames.map((name) => ({
    name,
    state: 'PENDING',
    nodes: 0,
    completedNodes: 0,
  }));
  /** Each node's DOWNLOAD operation of this restore: TRUNCATE first confirms they are still there. */
  readonly downloads = new Map<string, string>();
  /** Every operation this restore started: none of them spoils its own downloads. */
  readonly ownOperations = new Set<string>();
  /** The node TRUNCATE runs on, chosen once. */
  truncateNode: string | undefined;
  current: RestorePhaseName | undefined;
  /**
   * What every phase sends as entities, decided once before DOWNLOAD: the backup's own tables, or the
   * spec's entities with truncated files kept when the backup's manifests could not be read.
   */
  tables: { entities: string; keepTruncated: boolean } | undefined;

  phaseOf(name: RestorePhaseName): PhaseWork {
    const found = this.phases.find((p) => p.name === name);
    if (!found) throw new Error(`unknown phase ${name}`);
    return found;
  }

  phasesDone(): number {
    return this.phases.filter((p) => p.state === 'COMPLETED').length;
  }

  /** Finished phases count whole; the current one by its nodes' mean progress. */
  overall(nodes: NodeWork[]): number {
    const phase = this.current;
    if (!phase || this.phaseOf(phase).state === 'COMPLETED') {
      return Math.floor((this.phasesDone() * 100) / restorePhaseNames.length);
    }
    const targets = phase === 'TRUNCATE' ? nodes.filter((n) => n.pod === this.truncateNode) : nodes;
    return Math.floor((this.phasesDone() * 100 + overallProgress(targets)) / restorePhaseNames.length);
  }

  /** What a stop part-way leaves in the cluster, for the failure and cancel messages. */
  leftBehind(): string {
    const truncated = this.phaseOf('TRUNCATE').state === 'COMPLETED';
    const imported = this.phaseOf('IMPORT').state === 'COMPLETED';
    if (truncated && !imported) {
      return '. The restored tables were truncated and are not fully imported yet: until the restore finishes they miss rows';
    }
    return '';
  }
}

/** A restore goes on with its spec until the attempt ends; a change is taken up by the next one. */
const RESTORE: RunKind = { kind: 'CassandraRestore', noun: 'Restore', restartsOnSpecChange: false };

export async function restoreWorkflow(input: RestoreWorkflowInput): Promise<RunResult> {
  const run = new ResourceRun(input, RESTORE);
  return run.execute(new RestoreRun(run));
}

class RestoreRun implements KindRun {
  /** The phases and what each did, kept across attempts. */
  private readonly state = new RestoreState();
  /** When the first attempt started running. */
  private startTime: string | undefined;

  constructor(private readonly run: ResourceRun) {
    run.progress.phases = this.state.phases;
  }

  async attempt(): Promise<AttemptOutcome> {
    const { run, state } = this;
    const retried = run.retrying;
    const loaded = await run.load(
      () => kube().loadRestore(run.resource),
      ({ spec }) =>
        `Finding the backup${spec.cassandraBackup ? ` ${spec.cassandraBackup}` : ''} and the nodes of cluster ${spec.cassandraCluster}`,
    );
    if ('kind' in loaded) return loaded;
    const spec = loaded.spec;

    let plan: RestorePlan;
    try {
      plan = await kube().planRestore({ resource: run.resource, spec });
    } catch (err) {
      return failedFrom(err, 'PlanningFailed');
    }
    run.report.planned();
    // Keep each node's record from earlier attempts (its phase and state), with today's address.
    const previous = new Map(run.progress.nodes.map((n) => [n.pod, n]));
    const nodes: NodeWork[] = plan.nodes.map((n) => {
      const before = previous.get(n.pod);
      return before ? { ...before, address: n.address, icarusUrl: n.icarusUrl, hostId: n.hostId } : { ...n };
    });
    run.progress.nodes = nodes;
    run.progress.snapshotTag = plan.source.snapshotTag;
    // TRUNCATE runs on one node, chosen once; another is chosen only if it never started there.
    if (!nodes.some((n) => n.pod === state.truncateNode) && state.phaseOf('TRUNCATE').state === 'PENDING') {
      state.truncateNode = nodes[0]?.pod;
    }
    const resumeAt = restorePhaseNames.find((p) => state.phaseOf(p).state !== 'COMPLETED') ?? 'CLEANUP';
    this.startTime ??= new Date().toISOString();
    await run.report.setStatus(
      {
        state: 'RUNNING',
        source: plan.source,
        snapshotTag: plan.source.snapshotTag,
        ...(plan.source.schemaVersion ? { schemaVersion: plan.source.schemaVersion } : {}),
        startTime: this.startTime,
        phase: resumeAt,
        phases: state.phases,
        progress: state.overall(nodes),
        nodes: nodes.map(nodeStatus),
      },
      'Unknown',
      'Running',
      `Restoring ${nodes.length} node(s) of cluster ${spec.cassandraCluster} from ${plan.source.storageLocation} (${plan.source.snapshotTag})`,
    );
    await run.report.emit({
      type: 'Normal',
      reason: retried ? 'RestoreRetried' : 'RestoreStarted',
      message: retried
        ? `Retrying the restore at ${resumeAt}; finished phases and nodes are not run again`
        : `Started restoring ${nodes.length} node(s) from ${plan.source.storageLocation} (${plan.source.snapshotTag})`,
    });

    if (
      state.tables === undefined &&
      state.phaseOf('DOWNLOAD').state === 'PENDING' &&
      patched(BACKUP_TABLES_PATCH)
    ) {
      const refused = await this.chooseTables(spec, plan);
      if (refused) return refused;
    }

    const deadline = Date.now() + spec.timeout * 3_600_000;
    for (const phase of restorePhaseNames) {
      if (state.phaseOf(phase).state === 'COMPLETED') continue;
      if (phase === 'TRUNCATE' && patched(DOWNLOAD_CHECK_PATCH)) {
        const unconfirmed = await this.confirmDownloads(spec, plan, nodes, deadline);
        if (unconfirmed) return unconfirmed;
      }
      const outcome = await this.runPhase(phase, spec, plan, nodes, deadline);
      if (outcome) return outcome;
    }

    run.progress.progress = 100;
    const message = `Restored ${nodes.length} node(s) of cluster ${spec.cassandraCluster} from ${plan.source.storageLocation} (${plan.source.snapshotTag})`;
    await run.report.emit({ type: 'Normal', reason: 'RestoreSucceeded', message });
    await run.report.setStatus(
      {
        state: 'COMPLETED',
        progress: 100,
        errors: null,
        phases: state.phases,
        completionTime: new Date().toISOString(),
        nodes: nodes.map(nodeStatus),
      },
      'True',
      'Completed',
      message,
    );
    return { kind: 'succeeded' };
  }

  /** One phase on every node that has not finished it; undefined when all did. */
  private async runPhase(
    phase: RestorePhaseName,
    spec: CassandraRestoreSpec,
    plan: RestorePlan,
    nodes: NodeWork[],
    deadline: number,
  ): Promise<AttemptOutcome | undefined> {
    const { run, state } = this;
    const work = state.phaseOf(phase);
    const done = state.done.get(phase) ?? new Set<string>();
    const targets = phase === 'TRUNCATE' ? nodes.filter((n) => n.pod === state.truncateNode) : nodes;
    if (targets.length === 0) {
      return {
        kind: 'failed',
        reason: 'NodeFailed',
        message: `${phase} has no node to run on: pod ${state.truncateNode ?? '?'}, where TRUNCATE was started, is gone`,
        transient: true,
      };
    }
    const pending = targets.filter((n) => !done.has(n.pod));
    for (const node of pending) {
      node.phase = phase;
      node.state = 'PENDING';
      node.progress = 0;
      delete node.operationId;
    }
    state.current = phase;
    run.progress.phase = phase;
    work.state = 'RUNNING';
    work.nodes = targets.length;
    work.completedNodes = targets.length - pending.length;
    work.startTime ??= new Date().toISOString();
    delete work.completionTime;
    await run.report.setStatus(
      {
        state: 'RUNNING',
        phase,
        phases: state.phases,
        progress: state.overall(nodes),
        nodes: nodes.map(nodeStatus),
      },
      'Unknown',
      RUNNING_REASON[phase],
      phase === 'TRUNCATE'
        ? `TRUNCATE of the restored tables, once, from ${state.truncateNode ?? 'one node'} (it empties them cluster-wide)`
        : `${phase} on ${pending.length} node(s)${work.completedNodes ? ` (${work.completedNodes} already done)` : ''}`,
    );

    let submitFailure: AttemptOutcome | undefined;
    const notBefore = Date.now();
    const { nodes: _all, ...planFields } = plan;
    const failed = await run.scheduler.runNodes(nodes, pending, deadline, {
      submit: async (node) => {
        try {
          return await submit.submitRestore({
            resource: run.resource,
            spec,
            plan: planFields,
            node,
            phase,
            notBefore,
            ...(state.tables
              ? { entities: state.tables.entities, keepTruncated: state.tables.keepTruncated }
              : {}),
          });
        } catch (err) {
          submitFailure = failedFrom(err, 'NodeFailed');
          throw err;
        }
      },
      // A TRUNCATE Icarus lost may have run: never posted again without a person deciding (TruncateLost).
      resubmitLost: () => phase !== 'TRUNCATE',
      completed: (node) => {
        done.add(node.pod);
        work.completedNodes = done.size;
        if (phase === 'DOWNLOAD' && node.operationId) state.downloads.set(node.pod, node.operationId);
        return undefined;
      },
      phaseProgress: { done: state.phasesDone(), total: restorePhaseNames.length },
      overall: (all) => state.overall(all),
    });

    for (const n of targets) if (n.operationId) state.ownOperations.add(n.operationId);
    if (failed === 'timeout') {
      work.state = 'FAILED';
      return {
        kind: 'failed',
        reason: 'Timeout',
        message: `the restore did not finish within spec.timeout (${spec.timeout} h), in ${phase}; its operations were cancelled${state.leftBehind()}`,
        transient: false,
      };
    }
    if (failed.length > 0) {
      work.state = 'FAILED';
      for (const n of failed) n.lastError = `${phase}: ${n.lastError ?? 'failed'}`;
      const lostTruncate = phase === 'TRUNCATE' && failed.some((n) => n.state === 'LOST');
      const reason = lostTruncate
        ? 'TruncateLost'
        : submitFailure &&
            submitFailure.kind === 'failed' &&
            submitFailure.reason === 'TruncateOutcomeUnknown'
          ? submitFailure.reason
          : run.scheduler.failedReason(failed);
      const detail = failed.map((n) => `${n.pod}: ${n.lastError ?? 'failed'}`).join('; ');
      return {
        kind: 'failed',
        reason,
        message: lostTruncate
          ? `Icarus lost the TRUNCATE operation on ${state.truncateNode ?? 'its node'} (sidecar restarted?): whether the tables were truncated is unknown. It is not run again on its own; IMPORT has not run, so the retry signal confirms every node's download (downloading again where it cannot), truncates again (dropping writes made since) and continues. Newer restores of this cluster wait until then`
          : `${phase} failed on ${failed.length} of ${targets.length} node(s): ${detail}. The retry signal resumes at ${phase} on the failed node(s)${state.leftBehind()}`,
        transient: false,
      };
    }
    work.state = 'COMPLETED';
    work.completionTime = new Date().toISOString();
    run.progress.progress = state.overall(nodes);
    await run.report.emit({
      type: 'Normal',
      reason: DONE_REASON[phase],
      message:
        phase === 'TRUNCATE'
          ? `Truncated the restored tables (from ${state.truncateNode ?? 'one node'})`
          : `${phase} finished on ${targets.length} node(s)`,
    });
    return undefined;
  }

  /**
   * The tables every phase names, from the backup's manifests: only tables the backup holds are truncated.
   * A selection the backup cannot serve fails the restore before anything ran. Unreadable manifests
   * (no access from the operator, a path only the nodes mount) leave Icarus's own choice, every table of
   * the selected keyspaces, with the truncated files kept on every node, and a Warning that says so.
   */
  private async chooseTables(
    spec: CassandraRestoreSpec,
    plan: RestorePlan,
  ): Promise<AttemptOutcome | undefined> {
    const { run, state } = this;
    const contents = await submit.readBackupContents({
      resource: run.resource,
      source: plan.source,
      clusterName: plan.clusterName,
      nodes: plan.nodes.map((n) => ({ dc: n.dc, hostId: n.hostId })),
      insecure: spec.insecure ?? false,
    });
    if (!contents.known && contents.refusal && plan.icarusGeneration === 2 && patched(STORE_REFUSAL_PATCH)) {
      return {
        kind: 'failed',
        reason: REFUSAL_REASON[contents.refusal],
        message: `Reading the backup's manifests with Secret ${plan.source.secretName}, which the nodes' Icarus 2.x reads too, the store answered: ${contents.why}. No node was asked to do anything; fix the location or the Secret, then retry`,
        transient: false,
      };
    }
    if (!contents.known) {
      state.tables = { entities: spec.entities ?? '', keepTruncated: true };
      await run.report.emit({
        type: 'Warning',
        reason: 'BackupContentsUnknown',
        message: `The operator could not read the backup's manifests (${contents.why}), so it cannot tell Icarus which tables the backup holds: TRUNCATE empties every table of ${spec.entities ? `keyspace(s) ${spec.entities}` : 'every non-system keyspace'}, including any created after the backup, and their truncated files are kept on every node (noDeleteTruncates) in snapshots named truncated-*. Give the operator read access to the storage location to restore only the backup's tables`,
      });
      return undefined;
    }
    const chosen = selectRestoreTables(spec.entities ?? '', contents.tables);
    if (!chosen.ok) {
      return { kind: 'failed', reason: chosen.reason, message: chosen.message, transient: false };
    }
    state.tables = { entities: chosen.entities, keepTruncated: spec.noDeleteTruncates ?? false };
    await run.report.emit({
      type: 'Normal',
      reason: 'BackupTablesRead',
      message: `The backup holds ${contents.tables.length} table(s) (${contents.manifests} manifest(s) read); this restore truncates and imports only ${chosen.tables.length}: ${chosen.entities}`,
    });
    return undefined;
  }

  /**
   * Never TRUNCATE unless every node can IMPORT right after: a node whose download cannot be confirmed
   * (another restore ran there since, its sidecar forgot the operation) downloads again first. A second
   * failure to confirm fails the restore before anything is truncated.
   */
  private async confirmDownloads(
    spec: CassandraRestoreSpec,
    plan: RestorePlan,
    nodes: NodeWork[],
    deadline: number,
  ): Promise<AttemptOutcome | undefined> {
    const { run, state } = this;
    for (let round = 1; ; round += 1) {
      const { unconfirmed } = await submit.checkDownloads({
        resource: run.resource,
        nodes: nodes.map((n) => ({
          pod: n.pod,
          icarusUrl: n.icarusUrl,
          downloadOperationId: state.downloads.get(n.pod) ?? '',
        })),
        ownOperationIds: [...state.ownOperations],
      });
      if (unconfirmed.length === 0) return undefined;
      const detail = unconfirmed.map((u) => `${u.pod}: ${u.why}`).join('; ');
      if (round > 1) {
        return {
          kind: 'failed',
          reason: 'DownloadsUnconfirmed',
          message: `nothing was truncated: the downloads of ${unconfirmed.length} node(s) could not be confirmed even after downloading again: ${detail}. The retry signal downloads again and checks once more`,
          transient: false,
        };
      }
      await run.report.emit({
        type: 'Warning',
        reason: 'DownloadAgain',
        message: `Before TRUNCATE: downloading again on ${unconfirmed.length} node(s) whose download cannot be confirmed: ${detail}`,
      });
      const download = state.done.get('DOWNLOAD');
      for (const u of unconfirmed) download?.delete(u.pod);
      state.phaseOf('DOWNLOAD').state = 'PENDING';
      const outcome = await this.runPhase('DOWNLOAD', spec, plan, nodes, deadline);
      if (outcome) return outcome;
    }
  }

  cancelledNote(): string {
    return this.state.leftBehind();
  }

  terminalFields(): Record<string, unknown> {
    const { phases, current } = this.state;
    return { phases, ...(current ? { phase: current } : {}) };
  }
}

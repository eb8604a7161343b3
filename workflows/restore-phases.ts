// A restore's phases (DOWNLOAD, TRUNCATE once, IMPORT, CLEANUP, each a barrier over the selected nodes)
// and what the restore keeps of them across attempts, so that a retry or a new worker resumes where it
// stopped: the phases' states, the nodes done in each, the node TRUNCATE runs on, the downloads and
// operations of this restore, the tables every phase names. And one phase, run on its nodes.
import { patched } from '@temporalio/workflow';
import type { CassandraRestoreSpec } from '../src/kube/api/resources.js';
import type { RestorePlan } from '../src/contract/activity-io.js';
import { nodeStatus, overallProgress } from '../src/contract/node-progress.js';
import type { Reason } from '../src/contract/reasons.js';
import {
  restorePhaseNames,
  type NodeWork,
  type PhaseWork,
  type RestorePhaseName,
} from '../src/contract/status.js';
import type { ResourceRun } from './resource-run.js';
import { submit } from './run/activities.js';
import { failedFrom, type AttemptOutcome } from './run/outcomes.js';

/**
 * From this patch on, each phase's submission gets the request the plan built once
 * (RestorePlan.request) instead of the spec and the plan: history holds the body every node is sent.
 */
export const REQUEST_IN_PLAN_PATCH = 'restore-request-built-in-plan';

/**
 * From this patch on, TRUNCATE's submission names the node's DOWNLOAD as a witness: a retried attempt
 * whose node still lists it (no sidecar restart since) and lists no TRUNCATE posts it, where before it
 * failed with TruncateOutcomeUnknown although the earlier attempt had stopped before its POST.
 */
export const TRUNCATE_WITNESS_PATCH = 'truncate-retry-with-download-witness';

/** The condition reason while a phase runs. */
const RUNNING_REASON: Record<RestorePhaseName, Reason> = {
  DOWNLOAD: 'Downloading',
  TRUNCATE: 'Truncating',
  IMPORT: 'Importing',
  CLEANUP: 'CleaningUp',
};
/** The Event reason when a phase has finished on every node. */
const DONE_REASON: Record<RestorePhaseName, Reason> = {
  DOWNLOAD: 'Downloaded',
  TRUNCATE: 'Truncated',
  IMPORT: 'Imported',
  CLEANUP: 'CleanedUp',
};

/** What a restore keeps across attempts (the CRD freezes the source once started). */
export class RestoreState {
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
  /**
   * mode Verify: per node (its host id, the folder of its backup), the files and bytes of its manifest
   * that DOWNLOAD checks; undefined when the operator could not read the manifests.
   */
  filesToVerify: Map<string, { files: number; bytes: number }> | undefined;

  /** mode Verify: only DOWNLOAD and CLEANUP are run, and shown. */
  verifyOnly(): void {
    for (const name of ['TRUNCATE', 'IMPORT'] as const) {
      const at = this.phases.findIndex((p) => p.name === name);
      if (at >= 0) this.phases.splice(at, 1);
    }
  }

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
      return Math.floor((this.phasesDone() * 100) / this.phases.length);
    }
    const targets = phase === 'TRUNCATE' ? nodes.filter((n) => n.pod === this.truncateNode) : nodes;
    return Math.floor((this.phasesDone() * 100 + overallProgress(targets)) / this.phases.length);
  }

  /** The first phase not finished, where an attempt starts (the last one when all are). */
  resumeAt(): RestorePhaseName {
    return this.phases.find((p) => p.state !== 'COMPLETED')?.name ?? 'CLEANUP';
  }

  /** What a stop part-way leaves in the cluster, for the failure and cancel messages. */
  leftBehind(): string {
    // A verify has neither phase: it leaves nothing behind in the tables.
    const done = (name: RestorePhaseName) => this.phases.find((p) => p.name === name)?.state === 'COMPLETED';
    const truncated = done('TRUNCATE');
    const imported = done('IMPORT');
    if (truncated && !imported) {
      return '. The restored tables were truncated and are not fully imported yet: until the restore finishes they miss rows';
    }
    return '';
  }
}

/** One phase on every node that has not finished it; undefined when all did. */
export async function runPhase(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  phase: RestorePhaseName,
  spec: CassandraRestoreSpec,
  plan: RestorePlan,
  nodes: NodeWork[],
  deadline: number,
): Promise<AttemptOutcome | undefined> {
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
  const { nodes: _all, request: _built, ...planFields } = plan;
  const failed = await run.scheduler.runNodes(nodes, pending, deadline, {
    submit: async (node) => {
      const witness =
        phase === 'TRUNCATE' && patched(TRUNCATE_WITNESS_PATCH) ? state.downloads.get(node.pod) : undefined;
      const perPhase = {
        ...(state.tables
          ? { entities: state.tables.entities, keepTruncated: state.tables.keepTruncated }
          : {}),
        ...(witness ? { witness } : {}),
      };
      try {
        // A plan recorded before the patch has no request: its run goes on as it began.
        if (plan.request && patched(REQUEST_IN_PLAN_PATCH)) {
          return await submit.submitRestore({
            resource: run.resource,
            request: plan.request,
            clusterName: plan.clusterName,
            secretName: plan.source.secretName,
            node,
            phase,
            notBefore,
            ...perPhase,
          });
        }
        return await submit.submitRestore({
          resource: run.resource,
          spec,
          plan: planFields,
          node,
          phase,
          notBefore,
          ...perPhase,
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
    phaseProgress: { done: state.phasesDone(), total: state.phases.length },
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
      : submitFailure && submitFailure.kind === 'failed' && submitFailure.reason === 'TruncateOutcomeUnknown'
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

/** A restore's (or verify's) success: its Event, then COMPLETED with the Succeeded condition True. */
export async function succeeded(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  nodes: NodeWork[],
  end: { event: Reason; reason: Reason; message: string },
): Promise<AttemptOutcome> {
  run.progress.progress = 100;
  await run.report.emit({ type: 'Normal', reason: end.event, message: end.message });
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
    end.reason,
    end.message,
  );
  return { kind: 'succeeded' };
}

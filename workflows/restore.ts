// One CassandraRestore, from creation to its end: read the spec, plan (source, nodes, credentials), then
// the phases Icarus's own coordinator runs, each a barrier over the selected nodes: DOWNLOAD on all,
// TRUNCATE once (truncation is cluster-wide), IMPORT on all, CLEANUP on all.
//
// Resumable at phase granularity: the phases and the nodes done in each live in the workflow's state, so
// a retry (signal or spec change) or a new worker after a crash continues where it stopped; a finished
// phase never runs again and a node done in the current phase is not asked again. TRUNCATE is never
// repeated once it ran: a lost TRUNCATE (Icarus restarted) fails the restore with TruncateLost and only
// the retry signal, sent by a person who read why, runs it again.
//
// The phases and that state: restore-phases.ts; the checks before DOWNLOAD and TRUNCATE: restore-checks.ts.
// spec.mode Verify runs DOWNLOAD and CLEANUP only, checking the backup's files: restore-verify.ts.
import { patched } from '@temporalio/workflow';
import type { RestorePlan } from '../src/contract/activity-io.js';
import { nodeStatus } from '../src/contract/node-progress.js';
import type { RestoreWorkflowInput, RunResult } from '../src/contract/runs.js';
import { restorePhaseNames, type NodeWork, type StatusFields } from '../src/contract/status.js';
import { ResourceRun, type KindRun } from './resource-run.js';
import {
  BACKUP_TABLES_PATCH,
  chooseTables,
  confirmDownloads,
  DOWNLOAD_CHECK_PATCH,
} from './restore-checks.js';
import { RestoreState, runPhase, succeeded } from './restore-phases.js';
import { VERIFY_PATCH, verifyBackup } from './restore-verify.js';
import { cleanUpCancelledVerify, VERIFY_CANCEL_CLEANUP_PATCH, type VerifyInFlight } from './verify-cancel.js';
import { kube } from './run/activities.js';
import { failedFrom, type AttemptOutcome } from './run/outcomes.js';

/** A restore goes on with its spec until the attempt ends; a change is taken up by the next one. */
const RESTORE = { kind: 'CassandraRestore', noun: 'Restore', restartsOnSpecChange: false } as const;

export async function restoreWorkflow(input: RestoreWorkflowInput): Promise<RunResult> {
  const run = new ResourceRun(input, RESTORE);
  return run.execute(new RestoreRun(run));
}

class RestoreRun implements KindRun<'CassandraRestore'> {
  /** The phases and what each did, kept across attempts. */
  private readonly state = new RestoreState();
  /** When the first attempt started running. */
  private startTime: string | undefined;
  /** mode Verify: the folder its nodes download into. */
  private verifying: string | undefined;
  /** mode Verify, once planned: what a cancel cleans up. */
  private verifyInFlight: VerifyInFlight | undefined;

  constructor(private readonly run: ResourceRun<'CassandraRestore'>) {
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
    const verify = spec.mode === 'Verify' && patched(VERIFY_PATCH);
    if (verify) {
      this.verifying = plan.downloadDir;
      state.verifyOnly();
    }
    // Keep each node's record from earlier attempts (its phase and state), with today's address.
    const previous = new Map(run.progress.nodes.map((n) => [n.pod, n]));
    const nodes: NodeWork[] = plan.nodes.map((n) => {
      const before = previous.get(n.pod);
      return before ? { ...before, address: n.address, icarusUrl: n.icarusUrl, hostId: n.hostId } : { ...n };
    });
    run.progress.nodes = nodes;
    // What a cancel cleans up from here on (nothing, until a DOWNLOAD was submitted).
    if (verify) this.verifyInFlight = { plan, nodes };
    run.progress.snapshotTag = plan.source.snapshotTag;
    // TRUNCATE runs on one node, chosen once; another is chosen only if it never started there.
    if (
      !verify &&
      !nodes.some((n) => n.pod === state.truncateNode) &&
      state.phaseOf('TRUNCATE').state === 'PENDING'
    ) {
      state.truncateNode = nodes[0]?.pod;
    }
    const resumeAt = state.resumeAt();
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
      `${verify ? 'Verifying the backup on' : 'Restoring'} ${nodes.length} node(s) of cluster ${spec.cassandraCluster} from ${plan.source.storageLocation} (${plan.source.snapshotTag})`,
    );
    await run.report.emit({
      type: 'Normal',
      reason: retried ? 'RestoreRetried' : 'RestoreStarted',
      message: retried
        ? `Retrying the ${verify ? 'verify' : 'restore'} at ${resumeAt}; finished phases and nodes are not run again${run.retryAskedBy}`
        : `Started ${verify ? 'verifying the backup on' : 'restoring'} ${nodes.length} node(s) from ${plan.source.storageLocation} (${plan.source.snapshotTag})`,
    });
    if (verify) return verifyBackup(run, state, spec, plan, nodes);

    if (
      state.tables === undefined &&
      state.phaseOf('DOWNLOAD').state === 'PENDING' &&
      patched(BACKUP_TABLES_PATCH)
    ) {
      const refused = await chooseTables(run, state, spec, plan);
      if (refused) return refused;
    }

    const deadline = Date.now() + spec.timeout * 3_600_000;
    for (const phase of restorePhaseNames) {
      if (state.phaseOf(phase).state === 'COMPLETED') continue;
      if (phase === 'TRUNCATE' && patched(DOWNLOAD_CHECK_PATCH)) {
        const unconfirmed = await confirmDownloads(run, state, spec, plan, nodes, deadline);
        if (unconfirmed) return unconfirmed;
      }
      const outcome = await runPhase(run, state, phase, spec, plan, nodes, deadline);
      if (outcome) return outcome;
    }

    const message = `Restored ${nodes.length} node(s) of cluster ${spec.cassandraCluster} from ${plan.source.storageLocation} (${plan.source.snapshotTag})`;
    return succeeded(run, state, nodes, { event: 'RestoreSucceeded', reason: 'Completed', message });
  }

  /** One phase on every node that has not finished it; undefined when all did. */

  async afterCancel(): Promise<string | undefined> {
    if (!this.verifyInFlight || !patched(VERIFY_CANCEL_CLEANUP_PATCH)) return undefined;
    return cleanUpCancelledVerify(this.run, this.state, this.verifyInFlight);
  }

  cancelledNote(): string {
    if (this.verifying) {
      return `. No table was touched; what the nodes downloaded stays in ${this.verifying} until a restore's CLEANUP`;
    }
    return this.state.leftBehind();
  }

  terminalFields(): StatusFields<'CassandraRestore'> {
    const { phases, current } = this.state;
    return { phases, ...(current ? { phase: current } : {}) };
  }
}

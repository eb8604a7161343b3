// What a cancelled verify still does: delete what its nodes downloaded. A verify promises that no
// downloaded file stays behind (restore-verify.ts runs CLEANUP after a failed DOWNLOAD too); a cancel
// (the signal or annotation, the resource's deletion, Temporal's own) first stops its operations
// (run/cancellation.ts), then, behind VERIFY_CANCEL_CLEANUP_PATCH, CLEANUP runs on every node of the
// verify once DOWNLOAD has started, keeping every truncated-* snapshot as the verify's own CLEANUP does.
// It runs in the cancel's clean-up scope, which nothing cancels, and says in the Cancelled message what
// it did.
import type { RestorePlan } from '../src/contract/activity-io.js';
import type { NodeWork } from '../src/contract/status.js';
import type { ResourceRun } from './resource-run.js';
import type { RestoreState } from './restore-phases.js';
import { submit } from './run/activities.js';
import { failureMessage } from './run/outcomes.js';

/** From this patch on, a cancelled verify runs CLEANUP on its nodes before it ends CANCELLED. */
export const VERIFY_CANCEL_CLEANUP_PATCH = 'verify-cleans-up-after-cancel';

/** How long the clean-up of a cancelled verify may take before it is given up (CLEANUP deletes files only). */
const CLEANUP_LIMIT_MS = 10 * 60_000;

/** The verify in flight: its plan and nodes, once planned. */
export interface VerifyInFlight {
  plan: RestorePlan;
  nodes: NodeWork[];
}

/**
 * CLEANUP on every node of a cancelled verify that may hold downloaded files (its DOWNLOAD was submitted,
 * or the verify was already cleaning up); what the Cancelled message adds.
 */
export async function cleanUpCancelledVerify(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  verify: VerifyInFlight,
): Promise<string> {
  const { plan } = verify;
  const kept = `. No table was touched`;
  const nodes = verify.nodes.filter(
    (n) =>
      state.downloads.has(n.pod) ||
      n.phase === 'CLEANUP' ||
      (n.phase === 'DOWNLOAD' && n.operationId !== undefined),
  );
  if (nodes.length === 0) return `${kept}; nothing was downloaded`;
  if (state.phaseOf('CLEANUP').state === 'COMPLETED')
    return `${kept}; the downloaded files were deleted (CLEANUP)`;
  const request = plan.request;
  if (!request)
    return `${kept}; what the nodes downloaded stays in ${plan.downloadDir} until a restore's CLEANUP`;
  const notBefore = Date.now();
  const failed = new Map<string, string>();
  // The status the cancel writes shows DOWNLOAD as the cancel left it, and this CLEANUP.
  const download = state.phaseOf('DOWNLOAD');
  if (download.state === 'RUNNING') download.state = 'CANCELLED';
  const work = state.phaseOf('CLEANUP');
  Object.assign(work, { state: 'RUNNING', nodes: nodes.length, completedNodes: 0 });
  work.startTime = new Date().toISOString();
  await Promise.all(
    nodes.map(async (node) => {
      try {
        const submitted = await submit.submitRestore({
          resource: run.resource,
          request,
          clusterName: plan.clusterName,
          secretName: plan.source.secretName,
          node,
          phase: 'CLEANUP',
          notBefore,
          ...(state.tables ? { entities: state.tables.entities } : {}),
          keepTruncated: true,
          afterCancel: true,
        });
        Object.assign(node, {
          phase: 'CLEANUP',
          operationId: submitted.operationId,
          state: submitted.state,
          progress: 0,
        });
        delete node.lastError;
        run.operations.started({ kind: 'node', node });
      } catch (err) {
        failed.set(node.pod, failureMessage(err));
      }
    }),
  );
  if (run.operations.size > 0) {
    const result = await run.operations.watch(nodes, run.operations.keys(), {
      returnWhen: 'all',
      deadline: Date.now() + CLEANUP_LIMIT_MS,
      silent: true,
    });
    result.nodes.forEach((n, i) => Object.assign(nodes[i] ?? {}, n));
    // The run's own list (status.nodes) holds the same objects: what the watch saw is in it too.
    for (const end of result.ended) {
      run.operations.ended(end.pod);
      if (end.outcome !== 'COMPLETED') failed.set(end.pod, end.message ?? end.outcome);
    }
    if (result.timedOut) {
      for (const pod of run.operations.keys()) failed.set(pod, 'CLEANUP still running: given up');
      await run.operations.cancelAll();
    }
  }
  work.state = failed.size === 0 ? 'COMPLETED' : 'FAILED';
  work.completedNodes = nodes.length - failed.size;
  work.completionTime = new Date().toISOString();
  if (failed.size === 0) return `${kept}; CLEANUP deleted what the ${nodes.length} node(s) downloaded`;
  const which = [...failed].map(([pod, why]) => `${pod}: ${why}`).join('; ');
  return `${kept}; CLEANUP failed on ${failed.size} node(s) (${which}): what they downloaded stays in ${plan.downloadDir} until a restore's CLEANUP`;
}

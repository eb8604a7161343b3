// The last step of a backup: the cluster topology. Icarus's own coordinator writes topology/<tag>.json
// once every node succeeded; here one node does it, with the backup request that says
// uploadClusterTopology. It is an Icarus operation like a node's, but of the backup as a whole, so it is
// its own kind of work (`{ kind: 'topology' }`, run/operations.ts): watched on its own and silently (it
// is no node's progress), known to the watch and the cancel activity as `<pod>#topology`, and a cancel
// leaves its node's entry as it is. An upload that Icarus lost (its sidecar restarted) is submitted again
// like any node's operation, at most MAX_RESUBMITS times: writing the file again is harmless.
import { isCancellation, patched } from '@temporalio/workflow';
import type { WatchResult } from '../src/contract/activity-io.js';
import type { NodeWork } from '../src/contract/status.js';
import type { ResourceRun } from './resource-run.js';
import { MAX_RESUBMITS } from './run/nodes.js';
import { workKey, type Work } from './run/operations.js';
import { failureMessage, type AttemptOutcome } from './run/outcomes.js';

/** From this patch on, a topology upload that Icarus lost is submitted again (runs before failed it). */
export const TOPOLOGY_RESUBMIT_PATCH = 'topology-upload-resubmits';

/**
 * From this patch on, the Succeeded condition says when every node is backed up and the topology is
 * being written (UploadingTopology), rather than leaving RUNNING at 100% unexplained.
 */
export const TOPOLOGY_STATUS_PATCH = 'topology-upload-in-status';

/** The topology upload, as the backup submits it (a backup request of `upload.node`). */
export type SubmitUpload = (upload: Work & { kind: 'topology' }) => Promise<{ operationId: string }>;

/**
 * Uploads the topology from the first node: undefined when it was written, the failed attempt when not
 * (a time-out cancels it).
 */
export async function uploadTopology(
  run: ResourceRun<'CassandraBackup'>,
  nodes: NodeWork[],
  deadline: number,
  submitUpload: SubmitUpload,
): Promise<AttemptOutcome | undefined> {
  const first = nodes[0];
  if (!first) return undefined;
  const resubmitLost = patched(TOPOLOGY_RESUBMIT_PATCH);
  if (patched(TOPOLOGY_STATUS_PATCH)) {
    await run.report.setStatus(
      {},
      'Unknown',
      'UploadingTopology',
      `Every node is backed up; writing the cluster topology (topology/${run.progress.snapshotTag ?? ''}.json) from ${first.pod}`,
    );
  }
  for (let resubmits = 0; ; resubmits += 1) {
    const node: NodeWork = { ...first, operationId: undefined, state: undefined, progress: 0 };
    const upload = { kind: 'topology', node } as const;
    let end: WatchResult['ended'][number] | undefined;
    try {
      const submitted = await submitUpload(upload);
      node.operationId = submitted.operationId;
      run.operations.started(upload);
      const result = await run.operations.watch([node], [node.pod], {
        returnWhen: 'all',
        deadline,
        silent: true,
      });
      run.operations.ended(workKey(upload));
      end = result.ended[0];
      if (result.timedOut) {
        await run.operations.cancelAll();
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
      await run.report.emit({
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

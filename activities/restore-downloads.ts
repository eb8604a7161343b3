// Before a restore truncates, each node must be able to IMPORT right after: its download for this restore
// must still be on disk. Icarus has no call that lists downloaded files, but it lists the operations it
// ran. A node's download is confirmed when Icarus still lists this restore's DOWNLOAD operation there as
// COMPLETED and no other restore operation (another restore's DOWNLOAD, CLEANUP ...) was created on the
// node since. Anything else (a restarted sidecar that forgot its operations, another restore in between)
// cannot be confirmed, and the workflow downloads again on that node before it truncates.
import type { Operation } from '../src/icarus/types.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { ActivityDeps } from './deps.js';

export interface CheckDownloadsInput {
  resource: ResourceKey;
  nodes: {
    pod: string;
    icarusUrl: string;
    /** This restore's DOWNLOAD operation on the node. */
    downloadOperationId: string;
  }[];
  /** Every operation this restore started (on any node): these may follow the download. */
  ownOperationIds: string[];
}

export interface CheckDownloadsResult {
  /** The nodes whose download cannot be confirmed, with why. */
  unconfirmed: { pod: string; why: string }[];
}

export async function checkDownloads(
  deps: ActivityDeps,
  input: CheckDownloadsInput,
): Promise<CheckDownloadsResult> {
  const own = new Set(input.ownOperationIds);
  const unconfirmed = await Promise.all(
    input.nodes.map(async (node) => {
      const ops = await deps.icarus(node.icarusUrl).listOperations({ type: 'restore' });
      const why = downloadProblem(ops, node.downloadOperationId, own);
      return why ? { pod: node.pod, why } : undefined;
    }),
  );
  const result = { unconfirmed: unconfirmed.filter((u) => u !== undefined) };
  deps.logger.info(
    { ...input.resource, unconfirmed: result.unconfirmed },
    'Checked the downloads before TRUNCATE',
  );
  return result;
}

/** Why a node's download cannot be counted on, or undefined when it can. */
export function downloadProblem(
  ops: Operation[],
  downloadId: string,
  own: ReadonlySet<string>,
): string | undefined {
  const download = ops.find((op) => op.id === downloadId);
  if (!download) {
    return `Icarus no longer lists this restore's DOWNLOAD operation ${downloadId} (sidecar restarted, or the operation expired): its files cannot be confirmed`;
  }
  if (download.state !== 'COMPLETED') {
    return `this restore's DOWNLOAD operation ${downloadId} is ${download.state}, not COMPLETED`;
  }
  const since = Date.parse(download.creationTime ?? '');
  const later = ops.filter(
    (op) =>
      !own.has(op.id) &&
      op.id !== downloadId &&
      (Number.isNaN(since) ||
        Number.isNaN(Date.parse(op.creationTime ?? '')) ||
        Date.parse(op.creationTime ?? '') >= since),
  );
  const first = later[0];
  if (!first) return undefined;
  const what = [first.restorationPhase, first.snapshotTag].filter((x) => typeof x === 'string').join(' of ');
  return `restore operation ${first.id}${what ? ` (${what})` : ''}, not this restore's, ran on this node after its DOWNLOAD: the downloaded files may be gone`;
}

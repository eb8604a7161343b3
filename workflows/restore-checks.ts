// What a restore checks before its nodes do anything that cannot be undone. Before DOWNLOAD: which
// tables the backup holds (from its manifests in storage), so that TRUNCATE empties only tables the
// backup can refill, and, with Icarus 2.x nodes, whether the store refused the Secret they read too.
// Before TRUNCATE: that every node's download of this restore is still there to IMPORT.
import { patched } from '@temporalio/workflow';
import type { CassandraRestoreSpec } from '../src/kube/api/resources.js';
import type { Activities } from '../activities/index.js';
import type { RestorePlan } from '../src/contract/activity-io.js';
import type { NodeWork } from '../src/contract/status.js';
import type { ResourceRun } from './resource-run.js';
import { runPhase, type RestoreState } from './restore-phases.js';
import { selectRestoreTables } from './restore-tables.js';
import { submit } from './run/activities.js';
import type { AttemptOutcome } from './run/outcomes.js';

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
/**
 * From this patch on, a restore whose tag has no manifest in the folders of its nodes, while those folders
 * hold other backups, fails before any node works (SnapshotTagNotFound) instead of in DOWNLOAD.
 */
export const TAG_ABSENT_PATCH = 'absent-tag-fails-before-nodes';
/** The condition reason of each refusal. */
const REFUSAL_REASON = { 'no-bucket': 'BucketNotFound', denied: 'StorageAccessDenied' } as const;

/**
 * The tables every phase names, from the backup's manifests: only tables the backup holds are truncated.
 * A selection the backup cannot serve fails the restore before anything ran. Unreadable manifests
 * (no access from the operator, a path only the nodes mount) leave Icarus's own choice, every table of
 * the selected keyspaces, with the truncated files kept on every node, and a Warning that says so.
 */
export async function chooseTables(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  spec: CassandraRestoreSpec,
  plan: RestorePlan,
): Promise<AttemptOutcome | undefined> {
  const contents = await readContents(run, spec, plan);
  const refused = refusedByStore(contents, plan);
  if (refused) return refused;
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

type BackupContentsInput = Parameters<Activities['readBackupContents']>[0];

/** The backup's manifests of the plan's nodes, read by the operator from storage. */
export function readContents(
  run: ResourceRun<'CassandraRestore'>,
  spec: CassandraRestoreSpec,
  plan: RestorePlan,
  extra: Pick<BackupContentsInput, 'countFiles'> = {},
): ReturnType<Activities['readBackupContents']> {
  return submit.readBackupContents({
    resource: run.resource,
    source: plan.source,
    clusterName: plan.clusterName,
    // A restore into another cluster reads each node's backup node (plans from before have none).
    nodes: plan.nodes.map((n) => ({ dc: n.dc, hostId: n.hostId, ...(n.source ? { source: n.source } : {}) })),
    insecure: spec.insecure ?? false,
    ...extra,
  });
}

/**
 * What the backup's manifests, read before any node works, say is wrong for good: the store refused the
 * Secret the nodes' Icarus 2.x reads too, or the tag has no manifest where other backups have theirs.
 */
export function refusedByStore(
  contents: Awaited<ReturnType<Activities['readBackupContents']>>,
  plan: RestorePlan,
): AttemptOutcome | undefined {
  if (!contents.known && contents.refusal && plan.icarusGeneration === 2 && patched(STORE_REFUSAL_PATCH)) {
    return {
      kind: 'failed',
      reason: REFUSAL_REASON[contents.refusal],
      message: `Reading the backup's manifests with Secret ${plan.source.secretName}, which the nodes' Icarus 2.x reads too, the store answered: ${contents.why}. No node was asked to do anything; fix the location or the Secret, then retry`,
      transient: false,
    };
  }
  if (!contents.known && contents.tagAbsent && patched(TAG_ABSENT_PATCH)) {
    const { found, count } = contents.tagAbsent;
    return {
      kind: 'failed',
      reason: 'SnapshotTagNotFound',
      message: `No backup ${plan.source.snapshotTag} in ${plan.source.storageLocation}: the operator looked for manifests/${plan.source.snapshotTag}* in the folder of each restored node (cluster ${plan.clusterName}) and found only ${count} manifest(s) of other backups (${found.join(', ')}${count > found.length ? ', …' : ''}). No node was asked to do anything; fix spec.snapshotTag or spec.storageLocation (or restore a CassandraBackup by name with spec.cassandraBackup), then retry`,
      transient: false,
    };
  }
  return undefined;
}

/**
 * Never TRUNCATE unless every node can IMPORT right after: a node whose download cannot be confirmed
 * (another restore ran there since, its sidecar forgot the operation) downloads again first. A second
 * failure to confirm fails the restore before anything is truncated.
 */
export async function confirmDownloads(
  run: ResourceRun<'CassandraRestore'>,
  state: RestoreState,
  spec: CassandraRestoreSpec,
  plan: RestorePlan,
  nodes: NodeWork[],
  deadline: number,
): Promise<AttemptOutcome | undefined> {
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
    const outcome = await runPhase(run, state, 'DOWNLOAD', spec, plan, nodes, deadline);
    if (outcome) return outcome;
  }
}

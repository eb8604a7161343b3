// Plans a restore: where the data comes from (the CassandraBackup it names, waited for while it runs, or
// storageLocation + snapshotTag + secretName), whether it is this restore's turn on the cluster (Icarus
// runs one restore per node at a time: restores of a cluster go oldest first), the selected nodes, the
// credentials, and whether a `dc` filter would let TRUNCATE wipe datacenters that are not restored. A
// verify (mode Verify) takes its turn too, downloads into a folder of its own and never holds the cluster.
// Every problem is a PlanError whose reason a user can act on; `transient` ones are checked again.
import { restoreTemplate } from '../src/icarus/requests.js';
import { nodeStorageLocation } from '../src/icarus/storage-location.js';
import {
  resourceNames,
  type CassandraBackup,
  type CassandraRestore,
  type CassandraRestoreSpec,
} from '../src/kube/api/resources.js';
import {
  checkCredentials,
  requireKeysForGeneration,
  type CredentialsCheck,
} from '../src/kube/credentials.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { RestorePlan, RestoreSource } from '../src/contract/activity-io.js';
import { credentialsFor } from './backup-plan.js';
import { findClusterNodes } from './cluster-nodes.js';
import type { ActivityDeps } from './deps.js';
import { readByName } from './resource.js';
import { matchSourceNodes } from './restore-source-nodes.js';

export interface PlanRestoreInput {
  resource: ResourceKey;
  spec: CassandraRestoreSpec;
}

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export async function planRestore(deps: ActivityDeps, input: PlanRestoreInput): Promise<RestorePlan> {
  const { spec, resource } = input;
  const source = await resolveSource(deps, resource.namespace, spec);
  await checkTurn(deps, resource, spec.cassandraCluster);
  const dcs = (spec.dc ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  let credentials: CredentialsCheck | undefined;
  const { nodes, topology, icarusGeneration } = await findClusterNodes(deps, {
    namespace: resource.namespace,
    cluster: spec.cassandraCluster,
    dcs,
    beforeTopology: async () => {
      credentials = await checkCredentials(
        deps.core,
        resource.namespace,
        source.secretName,
        source.storageLocation,
      );
      try {
        nodeStorageLocation(source.storageLocation, { cluster: 'cluster', dc: 'dc', hostId: 'host' });
      } catch (err) {
        throw new PlanError('InvalidStorageLocation', (err as Error).message);
      }
    },
  });
  if (credentials) requireKeysForGeneration(credentials, icarusGeneration);
  const verify = spec.mode === 'Verify';
  // A verify truncates nothing: its dc filter only selects the nodes it checks.
  if (dcs.length > 0 && !spec.allowClusterWideTruncate && !verify) {
    const others = [...new Set(topology.topology.map((t) => t.dc))].filter((dc) => !dcs.includes(dc));
    if (others.length > 0) {
      throw new PlanError(
        'TruncateAffectsOtherDatacenters',
        `spec.dc restores only ${dcs.join(', ')}, but Cassandra's TRUNCATE empties the restored tables in every datacenter, so ${others.join(', ')} would lose their rows without getting them back. Restore every datacenter (no spec.dc), or set spec.allowClusterWideTruncate: true if that is what you want`,
      );
    }
  }
  // Into another (or a rebuilt) cluster: each node reads the folder of its backup node.
  const matched = await matchSourceNodes(deps, {
    namespace: resource.namespace,
    source,
    insecure: spec.insecure ?? false,
    clusterName: topology.clusterName,
    nodes,
  });
  const byPod = matched.byPod;
  const planNodes = byPod ? nodes.map((n) => ({ ...n, source: byPod[n.pod] })) : nodes;
  const planSource = matched.fullTag ? { ...source, snapshotTag: matched.fullTag } : source;
  if (byPod) {
    deps.logger.info(
      { ...resource, backup: planSource.snapshotTag, nodes: Object.keys(byPod).length },
      'Restoring into another cluster: each node reads its backup node’s folder',
    );
  }
  const dirs = {
    dataDirs: [...deps.config.CASSANDRA_DATA_DIRS],
    cassandraDirectory: deps.config.CASSANDRA_DIRECTORY,
    downloadDir: verify
      ? verifyDownloadDir(deps.config.RESTORE_DOWNLOAD_DIR, resource.uid)
      : deps.config.RESTORE_DOWNLOAD_DIR,
  };
  return {
    clusterName: topology.clusterName,
    icarusGeneration,
    source: planSource,
    ...dirs,
    nodes: planNodes,
    request: restoreTemplate({
      spec: verify ? verifySpec(spec) : spec,
      source: planSource,
      ...dirs,
      credentials: credentialsFor(icarusGeneration, resource.namespace, source.secretName),
    }),
  };
}

/**
 * A verify's own download folder: esop only re-hashes a file that is already there under the same name,
 * without downloading it, so a verify must never find another restore's (or an older verify's) files.
 * Inside RESTORE_DOWNLOAD_DIR, so a later restore's CLEANUP also takes what a cancelled verify left.
 */
export function verifyDownloadDir(downloadDir: string, uid: string): string {
  return `${downloadDir.replace(/\/+$/, '')}/verify-${uid}`;
}

/**
 * What a verify's requests are built from: nothing that loads data (the CRD refuses those fields with
 * mode Verify; a spec the API server did not check does not bring them in either), and truncated files
 * always kept (esop's CLEANUP otherwise deletes every truncated-* snapshot of the node, others' too).
 */
function verifySpec(spec: CassandraRestoreSpec): CassandraRestoreSpec {
  const { rename: _rename, import: _import, ...rest } = spec;
  return { ...rest, noDeleteTruncates: true, noDeleteDownloads: false, noDownloadData: false };
}

/** The spec's own source fields, completed from the CassandraBackup it names once that has succeeded. */
async function resolveSource(
  deps: ActivityDeps,
  namespace: string,
  spec: CassandraRestoreSpec,
): Promise<RestoreSource> {
  if (!spec.cassandraBackup) {
    if (!spec.storageLocation || !spec.snapshotTag || !spec.secretName) {
      throw new PlanError(
        'InvalidSpec',
        'set spec.cassandraBackup, or all three of spec.storageLocation, spec.snapshotTag and spec.secretName',
      );
    }
    return {
      storageLocation: spec.storageLocation,
      snapshotTag: spec.snapshotTag,
      secretName: spec.secretName,
    };
  }
  const name = spec.cassandraBackup;
  const backup: CassandraBackup | undefined = await readByName(deps, 'CassandraBackup', namespace, name);
  if (!backup) {
    throw new PlanError(
      'CassandraBackupNotFound',
      `CassandraBackup ${name} does not exist in namespace ${namespace}: create it, or fix spec.cassandraBackup`,
      true,
    );
  }
  const succeeded = backup.status?.conditions?.find((c) => c.type === 'Succeeded');
  const state = backup.status?.state ?? 'PENDING';
  if (succeeded?.status !== 'True' && state !== 'COMPLETED') {
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new PlanError(
        state === 'FAILED' ? 'CassandraBackupFailed' : 'CassandraBackupCancelled',
        `CassandraBackup ${name} ${state === 'FAILED' ? 'failed' : 'was cancelled'}${succeeded?.message ? `: ${succeeded.message}` : ''}; the restore starts once it succeeds (retry it), or point spec.cassandraBackup at another backup`,
        true,
      );
    }
    throw new PlanError(
      'WaitingForBackup',
      `CassandraBackup ${name} has not finished yet (${state}, ${backup.status?.progress ?? 0}%); the restore starts when it succeeds`,
      true,
    );
  }
  const snapshotTag = spec.snapshotTag || backup.status?.snapshotTag || backup.spec.snapshotTag || name;
  return {
    cassandraBackup: name,
    storageLocation: spec.storageLocation || backup.spec.storageLocation,
    snapshotTag,
    secretName: spec.secretName || backup.spec.secretName,
    ...(backup.status?.schemaVersion ? { schemaVersion: backup.status.schemaVersion } : {}),
  };
}

/**
 * A FAILED restore that truncated (or may have: its TRUNCATE was lost) and has not imported holds its
 * cluster: its retry must find its own downloads there, and another restore would mix two restores'
 * data into tables it emptied. Cancelling or deleting it gives the cluster up.
 */
function leftTruncated(r: CassandraRestore): boolean {
  // A verify never truncates: failed, it leaves every table as it was.
  if (r.status?.state !== 'FAILED' || r.spec.mode === 'Verify') return false;
  const phase = (name: string) => r.status?.phases?.find((p) => p.name === name)?.state ?? 'PENDING';
  return phase('TRUNCATE') !== 'PENDING' && phase('IMPORT') !== 'COMPLETED';
}

/**
 * Icarus runs one restore per node at a time, and two restores of one cluster would truncate each
 * other's tables: an unfinished older restore of the same cluster (creation time, then name) goes first.
 */
async function checkTurn(deps: ActivityDeps, resource: ResourceKey, cluster: string): Promise<void> {
  const { group, version, plural } = resourceNames.CassandraRestore;
  const list = (await deps.custom.listNamespacedCustomObject({
    group,
    version,
    plural,
    namespace: resource.namespace,
  })) as { items: CassandraRestore[] };
  const self = list.items.find((r) => r.metadata.uid === resource.uid);
  if (!self) return;
  const order = (r: CassandraRestore) =>
    `${r.metadata.creationTimestamp?.toString() ?? ''}/${r.metadata.name}`;
  const others = list.items.filter(
    (r) =>
      r.metadata.uid !== resource.uid && r.spec.cassandraCluster === cluster && !r.metadata.deletionTimestamp,
  );
  const holding = others.filter(leftTruncated);
  if (holding.length > 0) {
    throw new PlanError(
      'WaitingForRestore',
      `CassandraRestore ${holding.map((r) => r.metadata.name).join(', ')} of cluster ${cluster} failed after its TRUNCATE started, so its tables may be empty until it finishes: retry it, or cancel or delete it to give up on it; this restore starts after that`,
      true,
    );
  }
  const ahead = others.filter(
    (r) =>
      !ENDED.has(r.status?.state ?? 'PENDING') &&
      (r.status?.startTime !== undefined || order(r) < order(self)),
  );
  if (ahead.length > 0) {
    throw new PlanError(
      'WaitingForRestore',
      `CassandraRestore ${ahead.map((r) => r.metadata.name).join(', ')} of cluster ${cluster} has not finished; restores of one cluster run one at a time`,
      true,
    );
  }
}

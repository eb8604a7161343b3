// An imported CassandraBackup (spec.imported): nothing is backed up. The backup its snapshotTag names
// (a full name, or a tag whose newest backup is meant) is looked up in the storage location from the
// nodes' manifests, and what it holds is what the backup's status shows. Read only.
import type { ImportedBackup } from '../src/contract/activity-io.js';
import type { ResourceKey } from '../src/contract/ids.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { ActivityDeps } from './deps.js';
import { readLocationCatalog } from './location-catalog.js';

export interface ImportedBackupInput {
  resource: ResourceKey;
  spec: CassandraBackupSpec;
}

export async function readImportedBackup(
  deps: ActivityDeps,
  { resource, spec }: ImportedBackupInput,
): Promise<ImportedBackup> {
  const tag = spec.snapshotTag ?? '';
  const catalog = await readLocationCatalog(deps, resource.namespace, spec, { tag });
  // Newest first: a tag names its newest backup, as a restore picks it.
  const found = catalog.backups[0];
  if (!found) {
    throw new PlanError(
      'SnapshotTagNotFound',
      `${spec.storageLocation} holds no backup whose name starts with ${tag} (no node manifest <tag>-<schemaVersion>-<epochMillis>.json of it): fix spec.snapshotTag, or list the location with a CassandraBackupSync`,
    );
  }
  if (found.complete === false) {
    throw new PlanError(
      'BackupIncomplete',
      `backup ${found.name} in ${spec.storageLocation} is incomplete: its topology file lists ${found.expectedNodes ?? 0} node(s), ${found.nodes.length} finished (have their manifest); a restore of it would fail on the others. Import another backup`,
    );
  }
  deps.logger.info(
    { ...resource, backup: found.name, nodes: found.nodes.length },
    'Found the imported backup in storage',
  );
  return {
    name: found.name,
    schemaVersion: found.schemaVersion,
    time: found.time,
    cluster: found.cluster,
    datacenters: found.datacenters,
    nodes: found.nodes.map(({ dc, hostId, files, bytes, tokens, hostname }) => ({
      dc,
      hostId,
      files,
      bytes,
      tokens,
      ...(hostname ? { hostname } : {}),
    })),
    ...(found.expectedNodes !== undefined ? { expectedNodes: found.expectedNodes } : {}),
  };
}

// Plans a backup: the cluster is there and ready, its Cassandra nodes (pods, IPs, DCs, racks), the
// credentials Secret holds its provider's keys, the spec can be turned into Icarus requests, and each
// node's host id, the schema version and the backup's full tag come from Icarus. Every problem is a
// PlanError whose reason a user can act on; `transient` ones may fix themselves (pods starting).
import type { Credentials } from '../src/icarus/requests.js';
import { backupTemplate, resolveSnapshotTag, toIcarusDuration } from '../src/icarus/requests.js';
import { nodeStorageLocation } from '../src/icarus/storage-location.js';
import { cassandraBackup } from '../src/kube/api/definitions.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import {
  checkCredentials,
  requireKeysForGeneration,
  type CredentialsCheck,
} from '../src/kube/credentials.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { BackupPlan } from '../src/contract/activity-io.js';
import type { ResourceKey } from '../src/contract/ids.js';
import { findClusterNodes } from './cluster-nodes.js';
import type { ActivityDeps } from './deps.js';

export interface PlanBackupInput {
  resource: ResourceKey;
  spec: CassandraBackupSpec;
  /** The tag of an earlier attempt: kept when the schema is unchanged, so finished nodes stay valid. */
  previousTag?: { resolvedTag: string; schemaVersion: string };
}

export async function planBackup(deps: ActivityDeps, input: PlanBackupInput): Promise<BackupPlan> {
  const { spec, resource } = input;
  let credentials: CredentialsCheck | undefined;
  const { nodes, topology, icarusGeneration } = await findClusterNodes(deps, {
    namespace: resource.namespace,
    cluster: spec.cassandraCluster,
    ...(spec.dc ? { dcs: [spec.dc] } : {}),
    beforeTopology: async () => {
      credentials = await checkCredentials(
        deps.core,
        resource.namespace,
        spec.secretName,
        spec.storageLocation,
      );
      checkRequestFields(spec);
    },
  });
  if (credentials) requireKeysForGeneration(credentials, icarusGeneration);
  const schemaVersion = topology.schemaVersion ?? '';
  if (!schemaVersion) {
    throw new PlanError(
      'SchemaVersionUnknown',
      `the Icarus sidecars of cluster ${spec.cassandraCluster} reported no schema version: is Cassandra up?`,
      true,
    );
  }
  const resolvedTag =
    input.previousTag && input.previousTag.schemaVersion === schemaVersion
      ? input.previousTag.resolvedTag
      : resolveSnapshotTag(spec.snapshotTag || defaultSnapshotTag(resource.name), schemaVersion, Date.now());
  const dataDirs = [...deps.config.CASSANDRA_DATA_DIRS];
  return {
    clusterName: topology.clusterName,
    schemaVersion,
    resolvedTag,
    icarusGeneration,
    dataDirs,
    nodes,
    request: backupTemplate({
      spec,
      resolvedTag,
      schemaVersion,
      dataDirs,
      credentials: credentialsFor(icarusGeneration, resource.namespace, spec.secretName),
    }),
  };
}

const SNAPSHOT_TAG_MAX = cassandraBackup.spec.properties?.snapshotTag?.maxLength ?? 180;

/**
 * The tag of a backup without spec.snapshotTag: its name, cut to the 180 characters a snapshotTag may
 * have. Names go up to 253, and the full tag (+ schema version + time) names files and Cassandra's
 * snapshot folder, where more than 255 bytes fail on every node.
 */
export function defaultSnapshotTag(name: string): string {
  return name.slice(0, SNAPSHOT_TAG_MAX);
}

/** Fields that only fail inside Icarus: checked once here, so no node starts with a spec that cannot work. */
function checkRequestFields(spec: CassandraBackupSpec): void {
  try {
    nodeStorageLocation(spec.storageLocation, { cluster: 'cluster', dc: 'dc', hostId: 'host' });
  } catch (err) {
    throw new PlanError('InvalidStorageLocation', (err as Error).message);
  }
  if (spec.duration) {
    try {
      toIcarusDuration(spec.duration);
    } catch (err) {
      throw new PlanError('InvalidDuration', (err as Error).message);
    }
  }
}

/** How the node's Icarus gets its credentials: the Secret's name (2.x) or its own environment (3.x). */
export function credentialsFor(generation: 2 | 3, namespace: string, secretName: string): Credentials {
  return generation === 2 ? { generation: 2, namespace, secretName } : { generation: 3 };
}

// Plans a backup: the cluster is there and ready, its Cassandra nodes (pods, IPs, DCs, racks), the
// credentials Secret holds its provider's keys, the spec can be turned into Icarus requests, and each
// node's host id, the schema version and the backup's full tag come from Icarus. Every problem is a
// PlanError whose reason a user can act on; `transient` ones may fix themselves (pods starting).
import type { Credentials } from '../src/icarus/requests.js';
import { nodeStorageLocation, resolveSnapshotTag, toIcarusDuration } from '../src/icarus/requests.js';
import { resolveGeneration } from '../src/icarus/generation.js';
import { IcarusError } from '../src/icarus/errors.js';
import type { Topology } from '../src/icarus/types.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import { checkCredentials } from '../src/kube/credentials.js';
import { checkClusterReady } from '../src/kube/cassandra-cluster.js';
import { resolveNodes, type CassandraNode } from '../src/kube/nodes.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { BackupPlan, NodeWork, ResourceKey } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';

export interface PlanBackupInput {
  resource: ResourceKey;
  spec: CassandraBackupSpec;
  /** The tag of an earlier attempt: kept when the schema is unchanged, so finished nodes stay valid. */
  previousTag?: { resolvedTag: string; schemaVersion: string };
}

export async function planBackup(deps: ActivityDeps, input: PlanBackupInput): Promise<BackupPlan> {
  const { spec, resource } = input;
  const { config } = deps;
  await checkClusterReady(deps.custom, resource.namespace, spec.cassandraCluster);
  const pods = await resolveNodes(deps.core, {
    namespace: resource.namespace,
    cluster: spec.cassandraCluster,
    selectorTemplate: config.POD_SELECTOR,
    dcLabel: config.DC_LABEL,
    rackLabel: config.RACK_LABEL,
    icarusPort: config.ICARUS_PORT,
    ...(spec.dc ? { dcs: [spec.dc] } : {}),
  });
  await checkCredentials(deps.core, resource.namespace, spec.secretName, spec.storageLocation);
  checkRequestFields(spec);

  const { topology, answeredBy } = await readTopology(deps, pods);
  const nodes = pods.map((pod) => withHostId(pod, topology));
  const icarusGeneration = await resolveGeneration(
    config.ICARUS_GENERATION,
    deps.icarus(answeredBy.icarusUrl),
  );
  const schemaVersion = topology.schemaVersion ?? '';
  if (!schemaVersion) {
    throw new PlanError(
      'SchemaVersionUnknown',
      `Icarus at ${answeredBy.pod} reported no schema version: is Cassandra up?`,
      true,
    );
  }
  const resolvedTag =
    input.previousTag && input.previousTag.schemaVersion === schemaVersion
      ? input.previousTag.resolvedTag
      : resolveSnapshotTag(spec.snapshotTag ?? resource.name, schemaVersion, Date.now());
  return {
    clusterName: topology.clusterName,
    schemaVersion,
    resolvedTag,
    icarusGeneration,
    dataDirs: [...config.CASSANDRA_DATA_DIRS],
    nodes,
  };
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

/** The cluster as the first answering node sees it (every node sees the same ring). */
async function readTopology(
  deps: ActivityDeps,
  pods: CassandraNode[],
): Promise<{ topology: Topology; answeredBy: CassandraNode }> {
  const problems: string[] = [];
  for (const pod of pods) {
    try {
      return { topology: await deps.icarus(pod.icarusUrl).topology(), answeredBy: pod };
    } catch (err) {
      if (!(err instanceof IcarusError)) throw err;
      problems.push(`${pod.pod}: ${err.message}`);
    }
  }
  throw new PlanError(
    'IcarusUnreachable',
    `no Icarus sidecar of cluster answered its topology (port ${deps.config.ICARUS_PORT}): ${problems.join('; ')}`,
    true,
  );
}

function withHostId(pod: CassandraNode, topology: Topology): NodeWork {
  const entry = topology.topology.find((t) => t.ipAddress === pod.address);
  if (!entry) {
    throw new PlanError(
      'NodeNotInTopology',
      `pod ${pod.pod} (${pod.address}) is not in the ring reported by Icarus: is Cassandra on it up and joined?`,
      true,
    );
  }
  return {
    pod: pod.pod,
    dc: pod.dc,
    rack: pod.rack,
    hostId: entry.nodeId,
    address: pod.icarusUrl.replace(/^https?:\/\//, ''),
    icarusUrl: pod.icarusUrl,
  };
}

/** How the node's Icarus gets its credentials: the Secret's name (2.x) or its own environment (3.x). */
export function credentialsFor(generation: 2 | 3, namespace: string, secretName: string): Credentials {
  return generation === 2 ? { generation: 2, namespace, secretName } : { generation: 3 };
}

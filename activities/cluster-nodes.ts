// The Cassandra nodes a backup or restore works on: the cluster is there and ready, its pods (IPs, DCs,
// racks, filtered by datacenter), each node's host id from the ring as Icarus reports it, and which
// Icarus generation the sidecars run. Every problem is a PlanError whose reason a user can act on.
import { IcarusError } from '../src/icarus/errors.js';
import { resolveGeneration } from '../src/icarus/generation.js';
import type { Topology } from '../src/icarus/types.js';
import { checkClusterReady } from '../src/kube/cassandra-cluster.js';
import { resolveNodes, type CassandraNode } from '../src/kube/nodes.js';
import { PlanError } from '../src/kube/plan-error.js';
import type { NodeWork } from '../src/contract/status.js';
import type { ActivityDeps } from './deps.js';

export interface ClusterNodes {
  /** The selected nodes, with their host ids. */
  nodes: NodeWork[];
  /** The whole ring (every datacenter), as the first answering sidecar sees it. */
  topology: Topology;
  icarusGeneration: 2 | 3;
}

export async function findClusterNodes(
  deps: ActivityDeps,
  opts: { namespace: string; cluster: string; dcs?: string[]; beforeTopology?: () => Promise<void> },
): Promise<ClusterNodes> {
  const { config } = deps;
  await checkClusterReady(deps.custom, opts.namespace, opts.cluster);
  const pods = await resolveNodes(deps.core, {
    namespace: opts.namespace,
    cluster: opts.cluster,
    selectorTemplate: config.POD_SELECTOR,
    dcLabel: config.DC_LABEL,
    rackLabel: config.RACK_LABEL,
    icarusPort: config.ICARUS_PORT,
    ...(opts.dcs?.length ? { dcs: opts.dcs } : {}),
  });
  await opts.beforeTopology?.();
  const { topology, answeredBy } = await readTopology(deps, pods);
  const nodes = pods.map((pod) => withHostId(pod, topology));
  const icarusGeneration = await resolveGeneration(
    config.ICARUS_GENERATION,
    deps.icarus(answeredBy.icarusUrl),
  );
  return { nodes, topology, icarusGeneration };
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

// The Cassandra nodes of a cluster, read from its Pods: the IBM operator's labels by default, any
// operator's through the configured selector. Each node's Icarus is at <podIP>:<icarusPort>.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { PlanError } from './plan-error.js';

export interface CassandraNode {
  pod: string;
  address: string;
  dc: string;
  rack: string;
  icarusUrl: string;
}

export interface NodeQuery {
  namespace: string;
  cluster: string;
  /** Label selector with `{cluster}` standing for the cluster name. */
  selectorTemplate: string;
  dcLabel: string;
  rackLabel: string;
  icarusPort: number;
  /** Only these datacenters (empty: all). */
  dcs?: string[];
}

export async function resolveNodes(core: CoreV1Api, q: NodeQuery): Promise<CassandraNode[]> {
  const labelSelector = q.selectorTemplate.replaceAll('{cluster}', q.cluster);
  const pods = (await core.listNamespacedPod({ namespace: q.namespace, labelSelector })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
  if (pods.length === 0) {
    throw new PlanError(
      'NoCassandraPods',
      `no pods of Cassandra cluster ${q.cluster} in namespace ${q.namespace} (selector ${labelSelector}): check spec.cassandraCluster, or the operator's POD_SELECTOR for clusters not made by the IBM operator`,
      true,
    );
  }
  const all = pods
    .map((p) => toNode(p, q))
    .sort((a, b) => a.pod.localeCompare(b.pod, 'en', { numeric: true }));
  const known = [...new Set(all.map((n) => n.dc))].sort();
  const unknown = (q.dcs ?? []).filter((dc) => !known.includes(dc));
  if (unknown.length) {
    throw new PlanError(
      'UnknownDatacenter',
      `datacenter(s) ${unknown.join(', ')} not found in cluster ${q.cluster}; it has ${known.join(', ')}`,
    );
  }
  const nodes = q.dcs?.length ? all.filter((n) => q.dcs?.includes(n.dc)) : all;
  const waiting = nodes.filter((n) => !n.address).map((n) => n.pod);
  if (waiting.length) {
    throw new PlanError(
      'NodesWithoutAddress',
      `pod(s) ${waiting.join(', ')} have no IP yet: waiting for them to run`,
      true,
    );
  }
  return nodes;
}

function toNode(pod: V1Pod, q: NodeQuery): CassandraNode {
  const labels = pod.metadata?.labels ?? {};
  const address = pod.status?.podIP ?? '';
  return {
    pod: pod.metadata?.name ?? '',
    address,
    dc: labels[q.dcLabel] ?? 'unknown',
    rack: labels[q.rackLabel] ?? '',
    icarusUrl: address ? `http://${address.includes(':') ? `[${address}]` : address}:${q.icarusPort}` : '',
  };
}

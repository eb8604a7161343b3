// What a simulated Icarus sidecar (./node.ts) knows of its Cassandra and its cluster: the node's
// identity (the facts Icarus reads over JMX) and the answer of `GET /topology` made of the cluster's.

/** What a simulated node knows about itself: the facts Icarus reads from its Cassandra over JMX. */
export interface NodeIdentity {
  cluster: string;
  dc: string;
  rack: string;
  hostId: string;
  /** Address Cassandra listens on (the pod IP). */
  address: string;
  /** Host name: the `source` of the node's operation errors (the pod name in Kubernetes). */
  hostname?: string;
  tokens: string[];
}

/** The cluster as a node sees it: its name, its schema version, all its nodes. */
export interface ClusterView {
  clusterName: string;
  schemaVersion: string;
  nodes: NodeIdentity[];
}

/** The body of `GET /topology` (every node) or `GET /topology/<dc>` (the nodes of `dc`). */
export function topologyAnswer(t: ClusterView, dc: string | undefined): unknown {
  return {
    timestamp: Date.now(),
    clusterName: t.clusterName,
    schemaVersion: t.schemaVersion,
    topology: t.nodes
      .filter((n) => !dc || n.dc === dc)
      .map((n) => ({
        hostname: n.address,
        cluster: n.cluster,
        dc: n.dc,
        rack: n.rack,
        nodeId: n.hostId,
        ipAddress: n.address,
      })),
  };
}

// A simulated Cassandra cluster as the operator sees it in Kubernetes (tests and the sandbox): Icarus simulators on loopback
// addresses, and one Pod per node with the IBM operator's labels and status.podIP pointing at it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { SimulatedCluster, type ClusterOptions } from './icarus-simulator/cluster.js';

export interface PodCluster {
  cluster: SimulatedCluster;
  /** Pod name of each node, in the cluster's node order. */
  pods: string[];
  storageRoot: string;
  stop(): Promise<void>;
}

export async function startPodCluster(
  kc: KubeConfig,
  namespace: string,
  opts: Omit<ClusterOptions, 'storageRoot'> & { storageRoot?: string },
): Promise<PodCluster> {
  const storageRoot = opts.storageRoot ?? mkdtempSync(join(tmpdir(), 'cbo-storage-'));
  const cluster = new SimulatedCluster({ port: 4567, ...opts, storageRoot });
  await cluster.start();
  const core = kc.makeApiClient(CoreV1Api);
  const pods: string[] = [];
  const perDc = new Map<string, number>();
  for (const node of cluster.nodes) {
    const i = perDc.get(node.identity.dc) ?? 0;
    perDc.set(node.identity.dc, i + 1);
    const name = `${opts.name}-cassandra-${node.identity.dc}-${i}`;
    pods.push(name);
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name,
          labels: {
            'cassandra-cluster-instance': opts.name,
            'cassandra-cluster-component': 'cassandra',
            'cassandra-cluster-dc': node.identity.dc,
            'cassandra-cluster-rack': node.identity.rack,
          },
        },
        spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] },
      },
    });
    await core.patchNamespacedPodStatus(
      {
        namespace,
        name,
        body: {
          status: {
            phase: 'Running',
            podIP: node.identity.address,
            podIPs: [{ ip: node.identity.address }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  return { cluster, pods, storageRoot, stop: () => cluster.stop() };
}

// The real tier's Cassandra node as the operator finds it: a Pod with the IBM operator's labels whose
// IP is the node's address (127.0.0.1, or 127.0.0.N for the N-th node of a ring). There is no kubelet:
// the status is written through its subresource.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

/** The name of the pod of a cluster's node: `<cluster>-cassandra-<dc>-<index>`, as a StatefulSet names it. */
export function realNodePodName(cluster: string, dc: string, index: number): string {
  return `${cluster}-cassandra-${dc}-${index}`;
}

export async function createRealNodePod(
  kc: KubeConfig,
  namespace: string,
  cluster: string,
  dc: string,
  node: { index: number; address: string } = { index: 0, address: '127.0.0.1' },
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = realNodePodName(cluster, dc, node.index);
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: {
        name: pod,
        labels: {
          'cassandra-cluster-instance': cluster,
          'cassandra-cluster-component': 'cassandra',
          'cassandra-cluster-dc': dc,
        },
      },
      spec: { containers: [{ name: 'cassandra', image: 'cassandra:5.0' }] },
    },
  });
  await core.patchNamespacedPodStatus(
    { namespace, name: pod, body: { status: { phase: 'Running', podIP: node.address } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return pod;
}

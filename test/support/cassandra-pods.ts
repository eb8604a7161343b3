// Simulated Cassandra nodes behind Pods (dev/simulated-pods.ts), and a storage Secret for them.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export { startPodCluster, type PodCluster } from '../../dev/simulated-pods.js';

/** A Secret with S3-style keys (the simulator does not read them; the operator checks they exist). */
/** A Secret with Azure keys, in the API's format (test-only values: the simulated store takes any). */
export async function createAzureSecret(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace,
    body: {
      metadata: { name },
      stringData: { azurestorageaccount: 'testonlyaccount', azurestoragekey: 'dGVzdC1vbmx5' },
    },
  });
}

export async function createS3Secret(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace,
    body: {
      metadata: { name },
      stringData: {
        awsaccesskeyid: 'AKIA-TEST-ONLY',
        awssecretaccesskey: 'test-only-secret',
        awsregion: 'us-east-1',
      },
    },
  });
}

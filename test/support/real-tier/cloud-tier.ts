// The set-up of test/real-tier/cloud-storage.test.ts: the stores (./cloud-stores.ts: versitygw and MinIO
// for S3, Azurite, fake-gcs-server and the token stub, each with its bucket), two real Cassandra 5.0.8
// nodes with the real tier's sidecars (Icarus 3.x, esop 3.0.1's own cloud clients) behind Pods, a Secret
// per provider, and the operator as users run it. esop 3.x takes no endpoint, so the sidecar's JVM gets
// a hosts file, a trust store and its credentials in its environment (the test file's header says why):
// test-tier plumbing, nothing the operator sends.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  azureBlobHostName,
  GCS_HOST_NAME,
  renderHostsFile,
  s3BucketHostName,
  s3HostNames,
} from '../../../dev/stack/jvm-hosts.js';
import { realTarget, type ContractTarget } from '../../contract/targets.js';
import { Backups, Restores } from '../custom-resources.js';
import { createRealNodePod } from '../real-node-pod.js';
import { startOperator, type OperatorProcess } from '../operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../stack-env.js';
import { CloudStores } from './cloud-stores.js';

export { type Provider } from './cloud-stores.js';

export const CLUSTER = 'contract';

/** Started by start(), stopped by stop() whatever start() got to. */
export class CloudTier {
  readonly stores: CloudStores;
  target!: ContractTarget;
  namespace!: string;
  operator: OperatorProcess | undefined;
  backups!: Backups;
  restores!: Restores;

  constructor(private readonly workDir: string) {
    this.stores = new CloudStores(workDir);
  }

  async start(): Promise<void> {
    const { workDir, stores } = this;
    const started = Date.now();
    await stores.start();
    const { bucket, cert, s3Keys, vgw, azurite, s3RegionalDomain } = stores;
    const { s3Host, s3RegionalHost, minioHost, azureHost, gcsHost } = stores.hosts;

    // The sidecar's JVM reaches the clouds' host names on loopback, and only there.
    const hostsFile = join(workDir, 'jvm-hosts');
    writeFileSync(
      hostsFile,
      renderHostsFile(readFileSync('/etc/hosts', 'utf8'), [
        // The service name (s3.amazonaws.com) goes to versitygw; MinIO gets its one bucket's name.
        { address: s3Host, names: s3HostNames([bucket.s3]) },
        { address: minioHost, names: [s3BucketHostName(bucket.s3Minio)] },
        { address: azureHost, names: [azureBlobHostName(azurite.accountName)] },
        { address: gcsHost, names: [GCS_HOST_NAME] },
      ]),
    );
    const trustStore = cert.trustStore;
    assert.ok(trustStore);
    const target = (this.target = await realTarget(
      {
        jvmArgs: [
          `-Djdk.net.hosts.file=${hostsFile}`,
          `-Djavax.net.ssl.trustStore=${trustStore.file}`,
          `-Djavax.net.ssl.trustStoreType=${trustStore.type}`,
          // Guards a store of public certificates only (tls.ts): not a credential.
          `-Djavax.net.ssl.trustStorePassword=${trustStore.password}`,
          // esop 3.0.1's S3 uploader allocates one buffer of this size per file in flight (100 MiB by
          // default: several files at once exhaust the sidecar's 256 MiB heap). 5 MiB is S3's minimum.
          '-Dupload.max.part.size=5242880',
        ],
        env: {
          AWS_REGION: vgw.region,
          AWS_ACCESS_KEY_ID: s3Keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3Keys.secretAccessKey,
          // Never ask an instance metadata service (there is none on loopback; credentials are above).
          AWS_EC2_METADATA_DISABLED: 'true',
          AZURE_STORAGE_ACCOUNT: azurite.accountName,
          AZURE_STORAGE_KEY: azurite.accountKey,
          GOOGLE_APPLICATION_CREDENTIALS: stores.serviceAccount,
        },
      },
      // Two nodes (127.0.0.1 and .2), each with its own sidecar: every backup and restore runs on both.
      { nodes: 2 },
    ));
    const node = target.nodes[0];
    if (!node || target.nodes.length !== 2) throw new Error('the real target has not its 2 nodes');

    const kc = kubeConfig();
    const namespace = (this.namespace = await createNamespace(kc, 'real-cloud'));
    const core = kc.makeApiClient(CoreV1Api);
    for (const [index, n] of target.nodes.entries()) {
      await createRealNodePod(kc, namespace, CLUSTER, n.dc, { index, address: n.address ?? '' });
    }
    // The Secrets as the API describes them, one per provider. The operator checks their keys before
    // any node works; Icarus 3.x (this sidecar, esop 3.0.1) never reads them and takes the same
    // credentials from its own environment (above). Icarus 2.x would read them itself.
    const secret = (name: string, stringData: Record<string, string>) =>
      core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
    await secret('s3-credentials', {
      awsaccesskeyid: s3Keys.accessKeyId,
      awssecretaccesskey: s3Keys.secretAccessKey,
      awsregion: vgw.region,
    });
    await secret('azure-credentials', {
      azurestorageaccount: azurite.accountName,
      azurestoragekey: azurite.accountKey,
    });
    await secret('gcp-credentials', { gcp: stores.serviceAccountJson });

    const operator = (this.operator = startOperator({
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('real-cloud'),
      ICARUS_PORT: new URL(node.url).port,
      ICARUS_GENERATION: 'auto',
      ICARUS_POLL_INTERVAL_MS: '500',
      CASSANDRA_DATA_DIRS: target.dataDirs.join(','),
      CASSANDRA_DIRECTORY: target.cassandraDirectory,
      RESTORE_DOWNLOAD_DIR: target.downloadDir,
      // The operator reads each backup's manifests itself (which tables a restore may truncate): its
      // Node process reaches the same servers under the same names (dev/stack/cloud-hosts.mjs, the
      // counterpart of the sidecar's hosts file) and trusts their certificate.
      // For S3 that is the second versitygw gateway (the regional name); MinIO's bucket is never read
      // (its backup fails).
      CBO_TEST_CLOUD_HOSTS: JSON.stringify({
        [`.${s3RegionalDomain}`]: s3RegionalHost,
        '.blob.core.windows.net': azureHost,
        [GCS_HOST_NAME]: gcsHost,
      }),
      NODE_EXTRA_CA_CERTS: cert.certFile,
    }));
    const logs = () => this.operator?.logs.slice(-40).join('\n') ?? '';
    this.backups = new Backups(kc, namespace, logs);
    this.restores = new Restores(kc, namespace, logs);
    await operator.waitForLog(/Worker running/);
    console.log(`[real cloud] servers, Cassandra, sidecar and operator ready in ${Date.now() - started} ms`);
  }

  /** Stops what start() started, whatever it got to. */
  async stop(): Promise<void> {
    await this.operator?.stop();
    await this.target?.stop();
    await this.stores.stop();
  }
}

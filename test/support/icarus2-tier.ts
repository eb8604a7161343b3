// The Icarus 2.x real tier's set-up, shared by every provider of test/real-tier/icarus2-secret.test.ts:
// one ring of two real Cassandra 5.0.8 nodes (127.0.0.1 and .2, each behind a Pod) with the real tier's
// sidecar built as Icarus 2.0.4 is (esop 2.0.4 + sidecar-common 1.3.18), one operator as users run it,
// and one storage server per provider, each with a bucket made beforehand and a Secret in the API's
// format:
//
//   s3     MinIO            plain http://127.0.0.1:<port>, the Secret's awsendpoint (esop 2.x honours it)
//   azure  Azurite 3.35.0   https://<account>.blob.core.windows.net on loopback :443
//   gcp    fake-gcs-server  https://storage.googleapis.com on loopback :443, and the OAuth token stub
//                           (test/support/gcs-token-stub.ts) at the service account's token_uri
//
// The sidecars have no cloud credentials at all: each reads the Secret named in a request through the
// stack's kube-apiserver as its own ServiceAccount (test/support/sidecar-identity.ts), in esop 2.x's
// Kubernetes client mode. What their JVMs do get is test-tier plumbing, nothing the operator sends: a
// hosts file and a trust store (./icarus2-tier/sidecar-jvm.ts says why). Needs root (port 443, and the
// nodes' private mount namespaces). The buckets and Secrets are made in ./icarus2-tier/stores.ts.
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { S3Client } from '@aws-sdk/client-s3';
import { GCS_HOST_NAME } from '../../dev/stack/jvm-hosts.js';
import { freeLoopbackAddress } from '../../dev/stack/loopback.js';
import {
  startAzurite,
  startFakeGcs,
  startMinio,
  type AzuriteServer,
  type MinioServer,
} from '../../dev/stack/storage-servers.js';
import { writeSelfSignedCert } from '../../dev/stack/tls.js';
import { realTarget, type ContractNode, type ContractTarget } from '../contract/targets.js';
import { listBlobs, listGcsObjects, listS3Objects } from './cloud-clients.js';
import { Backups, Restores } from './custom-resources.js';
import { startGcsTokenStub, type GcsTokenStub } from './gcs-token-stub.js';
import { sidecarJvmArgs, writeJvmHostsFile } from './icarus2-tier/sidecar-jvm.js';
import { makeStores, type Provider, type Store } from './icarus2-tier/stores.js';
import { startOperator, type OperatorProcess } from './operator.js';
import { createRealNodePod } from './real-node-pod.js';
import { sidecarKubeconfig } from './sidecar-identity.js';
import { createNamespace, kubeConfig, uniqueName } from './stack-env.js';

export { PROVIDERS, type Provider, type Store } from './icarus2-tier/stores.js';

export const CLUSTER = 'contract';

export interface Icarus2Tier {
  readonly target: ContractTarget;
  readonly nodes: ContractNode[];
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly operator: OperatorProcess;
  readonly backups: Backups;
  readonly restores: Restores;
  readonly minio: MinioServer;
  /** MinIO's own S3 API (path-style, plain HTTP). */
  readonly s3: S3Client;
  readonly azurite: AzuriteServer;
  readonly tokens: GcsTokenStub;
  readonly stores: Record<Provider, Store>;
  /**
   * Every credential value handed out (keys, the lines of the GCP private key), to look for in logs,
   * statuses and Events. Add any made later.
   */
  readonly credentials: string[];
  /** Makes a Secret in the tier's namespace. */
  secret(name: string, stringData: Record<string, string>): Promise<void>;
  /** Every object name in a bucket, through the provider's server's own API. */
  list(provider: Provider, bucket?: string): Promise<string[]>;
  /** Each node's sidecar's own record of its operations of a type (the request's fields are in it). */
  sidecarOperations(type: 'backup' | 'restore'): Promise<{ node: ContractNode; ops: SidecarOperation[] }[]>;
  stop(): Promise<void>;
}

export type SidecarOperation = Record<string, unknown>;

/** Cloud credentials in this process's environment would reach the sidecars (they inherit it). */
const CLOUD_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AZURE_STORAGE_ACCOUNT',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_CONNECTION_STRING',
  'GOOGLE_APPLICATION_CREDENTIALS',
];

export async function startIcarus2Tier(workDir: string, log: (line: string) => void): Promise<Icarus2Tier> {
  const inherited = CLOUD_ENV.filter((k) => process.env[k] !== undefined);
  if (inherited.length) {
    throw new Error(`the sidecars would inherit cloud credentials from ${inherited.join(', ')}: unset them`);
  }
  const stoppers: (() => Promise<unknown> | void)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s();
  };
  try {
    let t = Date.now();
    const phase = (what: string) => {
      log(`${what} in ${Date.now() - t} ms`);
      t = Date.now();
    };

    // The servers, the namespace and the sidecars' identity, all at once.
    const [azureHost, gcsHost] = [await freeLoopbackAddress(443), await freeLoopbackAddress(443)];
    const cert = writeSelfSignedCert({
      dir: join(workDir, 'tls'),
      names: ['*.blob.core.windows.net', GCS_HOST_NAME],
      javaTrustStore: true,
    });
    const trustStore = cert.trustStore;
    if (!trustStore) throw new Error('no Java trust store was written');
    const kc = kubeConfig();
    /** A server to stop at the end, once it has started. */
    const tracked = <T extends { stop(): Promise<unknown> }>(starting: Promise<T>) =>
      starting.then((server) => {
        stoppers.push(() => server.stop());
        return server;
      });
    const starting = [
      tracked(startMinio({ workDir })),
      tracked(startAzurite({ workDir, host: azureHost, port: 443, tls: cert })),
      tracked(
        startFakeGcs({
          workDir,
          host: gcsHost,
          port: 443,
          tls: cert,
          externalUrl: `https://${GCS_HOST_NAME}`,
        }),
      ),
      tracked(startGcsTokenStub()),
      createNamespace(kc, 'real-icarus2'),
    ] as const;
    // Every start settled (so each server that did start is stopped if another failed), then the first failure.
    await Promise.allSettled(starting);
    const [minio, azurite, , tokens, namespace] = await Promise.all(starting);
    const kubeconfig = await sidecarKubeconfig(kc, namespace, workDir);
    phase('MinIO, Azurite, fake-gcs-server, the token stub and the sidecars’ identity ready');

    // The buckets and the Secrets (./icarus2-tier/stores.ts), then the JVMs' hosts file.
    const { stores, s3, blobs, gcsAgent, credentials, secret } = await makeStores(
      { minio, azurite, tokens },
      { cert, azureHost, gcsHost },
      kc,
      namespace,
      workDir,
      stoppers,
    );
    const hostsFile = writeJvmHostsFile(workDir, azurite.accountName, { azureHost, gcsHost });
    phase('buckets, Secrets and the JVM hosts file made');

    const target = await realTarget(
      {
        generation: 2,
        kubeconfig,
        jvmArgs: sidecarJvmArgs(hostsFile, trustStore),
      },
      // Two nodes (127.0.0.1 and .2), each with its own sidecar: every backup and restore runs on both.
      { nodes: 2 },
    );
    stoppers.push(() => target.stop());
    if (target.nodes.length !== 2) throw new Error(`the ring has ${target.nodes.length} node(s), not 2`);
    for (const [index, n] of target.nodes.entries()) {
      await createRealNodePod(kc, namespace, CLUSTER, n.dc, { index, address: n.address ?? '' });
    }
    phase('two Cassandra nodes with their Icarus 2.x sidecars, behind Pods, ready');

    const first = target.nodes[0];
    if (!first) throw new Error('the ring has no node');
    const operator = startOperator({
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('real-icarus2'),
      ICARUS_PORT: new URL(first.url).port,
      ICARUS_GENERATION: 'auto',
      ICARUS_POLL_INTERVAL_MS: '500',
      CASSANDRA_DATA_DIRS: target.dataDirs.join(','),
      CASSANDRA_DIRECTORY: target.cassandraDirectory,
      RESTORE_DOWNLOAD_DIR: target.downloadDir,
      // The operator reads each backup's manifests itself, with the same Secret: MinIO at its
      // awsendpoint, Azurite and fake-gcs-server under the clouds' names (dev/stack/cloud-hosts.mjs,
      // the Node counterpart of the sidecars' hosts file), trusting their certificate.
      CBO_TEST_CLOUD_HOSTS: JSON.stringify({ '.blob.core.windows.net': azureHost, [GCS_HOST_NAME]: gcsHost }),
      NODE_EXTRA_CA_CERTS: cert.certFile,
    });
    stoppers.push(() => operator.stop());
    const logs = () => operator.logs.slice(-40).join('\n');
    await operator.waitForLog(/Worker running/);
    phase('operator ready');

    return {
      target,
      nodes: target.nodes,
      kc,
      namespace,
      operator,
      backups: new Backups(kc, namespace, logs),
      restores: new Restores(kc, namespace, logs),
      minio,
      s3,
      azurite,
      tokens,
      stores,
      credentials,
      secret,
      list: (provider, bucket = stores[provider].bucket) =>
        provider === 's3'
          ? listS3Objects(s3, bucket)
          : provider === 'azure'
            ? listBlobs(blobs, bucket)
            : listGcsObjects(bucket, gcsAgent),
      sidecarOperations: (type) =>
        Promise.all(
          target.nodes.map(async (node) => {
            const res = await fetch(`${node.url}/operations?type=${type}`);
            if (res.status !== 200) throw new Error(`GET ${node.url}/operations: ${res.status}`);
            return { node, ops: (await res.json()) as SidecarOperation[] };
          }),
        ),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

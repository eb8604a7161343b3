// The bucket check through the operator on the real tier: a real Cassandra 5.0.8 node, the real tier's
// sidecar (esop 3.0.1) with its own Azure client, and Azurite at https://<account>.blob.core.windows.net
// (test/support/azure-store.ts: TLS on :443, a JVM hosts file and trust store; credentials in the
// sidecar's environment, as Icarus 3.x takes them). Azure is the cheapest of the three stores here: one
// name for every container, no OAuth stub, no storage-class shim. What is proven:
//   - a backup to a container that does not exist (createMissingBucket false, the default): FAILED,
//     reason BucketNotFound with esop's message on the Succeeded condition and in a Warning Event,
//     nothing COMPLETED, no container made;
//   - the same backup with createMissingBucket: true: the node makes the container and backs up into it;
//   - a restore from a container that does not exist: DOWNLOAD FAILED with BucketNotFound, even with
//     skipBucketVerification (Icarus checks before every restore phase);
//   - a wrong account key in the sidecar's environment: the check cannot be made; the backup fails with
//     StorageAccessDenied and Azurite's own refusal, a restore phase with BucketCheckFailed and esop's
//     `Unable to determine if the bucket … exists.`
// Needs port 443 (root): skipped otherwise. Run by `npm run test:real`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { randomToken } from '../../dev/stack/storage-servers.js';
import { resourceNames } from '../../src/kube/api/resources.js';
import { realTarget, type ContractNode, type ContractTarget } from '../contract/targets.js';
import { workDir } from '../storage/support.js';
import { cannotServe443, startAzureStore, type AzureStore } from '../support/azure-store.js';
import { Backups, Restores, decided, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createRealNodePod } from '../support/real-node-pod.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const skip = await cannotServe443();
const CLUSTER = 'contract';
const TABLE = 'bucket_checks.orders';
const SECRET = 'azure-credentials';

describe('the bucket check through the operator, on Azurite with esop 3.0.1’s Azure client', { skip }, () => {
  const work = workDir('real-buckets');
  let store: AzureStore;
  let target: ContractTarget;
  let node: ContractNode;
  let kc: KubeConfig;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  let backups: Backups;
  let restores: Restores;
  /** The container the createMissingBucket backup made, and that backup. */
  let made: { container: string; backup: string } | undefined;

  before(async () => {
    const started = Date.now();
    store = await startAzureStore(work.dir);
    target = await realTarget(store.sidecar());
    const first = target.nodes[0];
    if (!first) throw new Error('the real target has no node');
    node = first;
    await target.putRows(TABLE, [
      { id: 1, v: 'one' },
      { id: 2, v: 'two' },
    ]);
    kc = kubeConfig();
    namespace = await createNamespace(kc, 'real-buckets');
    await createRealNodePod(kc, namespace, CLUSTER, node.dc);
    // The operator checks the Secret's keys; Icarus 3.x takes the credentials from its environment.
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: SECRET },
        stringData: {
          azurestorageaccount: store.azurite.accountName,
          azurestoragekey: store.azurite.accountKey,
        },
      },
    });
    operator = startOperator({
      WATCH_NAMESPACES: namespace,
      TEMPORAL_TASK_QUEUE: uniqueName('real-buckets'),
      ICARUS_PORT: new URL(node.url).port,
      ICARUS_GENERATION: 'auto',
      ICARUS_POLL_INTERVAL_MS: '500',
      CASSANDRA_DATA_DIRS: target.dataDirs.join(','),
      CASSANDRA_DIRECTORY: target.cassandraDirectory,
      RESTORE_DOWNLOAD_DIR: target.downloadDir,
      // The operator reads a restore's manifests itself: its Node process reaches Azurite under the
      // same name as the sidecar (dev/stack/cloud-hosts.mjs) and trusts its certificate.
      CBO_TEST_CLOUD_HOSTS: JSON.stringify({ '.blob.core.windows.net': store.host }),
      NODE_EXTRA_CA_CERTS: store.certFile,
    });
    const logs = () => operator?.logs.slice(-40).join('\n') ?? '';
    backups = new Backups(kc, namespace, logs);
    restores = new Restores(kc, namespace, logs);
    await operator.waitForLog(/Worker running/);
    console.log(
      `[real buckets] Azurite, Cassandra, sidecar and operator ready in ${Date.now() - started} ms`,
    );
  });

  after(async () => {
    await operator?.stop();
    await target?.stop();
    await store?.stop();
    work.remove();
  });

  const conditionOf = (r: {
    status?: { conditions?: { type: string; reason: string; message: string }[] };
  }) => r.status?.conditions?.find((c) => c.type === 'Succeeded');
  const esopMissing = (container: string) =>
    `Bucket ${container} does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false! Can not continue!`;

  test('a backup to a container that does not exist fails with BucketNotFound and esop’s message; createMissingBucket: true makes it and backs up', async () => {
    const container = `cbo-missing-${randomToken(8)}`;
    const name = uniqueName('nobucket');
    const t0 = Date.now();
    await backups.create(name, {
      cassandraCluster: CLUSTER,
      storageLocation: `azure://${container}`,
      secretName: SECRET,
      entities: 'bucket_checks',
    });
    const failed = await backups.waitFor(name, 'Succeeded decided', decided);
    const condition = conditionOf(failed);
    assert.equal(succeeded(failed), 'False', JSON.stringify(failed.status));
    assert.equal(condition?.reason, 'BucketNotFound');
    assert.ok(condition?.message.includes(esopMissing(container)), condition?.message);
    assert.equal(failed.status?.state, 'FAILED');
    assert.deepEqual(
      failed.status?.nodes?.map((n) => n.state),
      ['FAILED'],
      'nothing COMPLETED',
    );
    assert.deepEqual(
      failed.status?.errors?.map((e) => e.message),
      [esopMissing(container)],
    );
    const event = await backups.waitForEvent(name, 'BucketNotFound');
    assert.ok(event.message.includes(esopMissing(container)), event.message);
    assert.equal(await store.exists(container), false, 'no container was made');
    const t1 = Date.now();

    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      {
        ...resourceNames.CassandraBackup,
        namespace,
        name,
        body: { spec: { createMissingBucket: true } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
    const tag = done.status?.snapshotTag ?? '';
    assert.equal(await store.exists(container), true, 'the node made the container');
    const blobs = await store.list(container);
    assert.ok(
      blobs.includes(`${CLUSTER}/${node.dc}/${node.hostId}/manifests/${tag}.json`),
      JSON.stringify(blobs),
    );
    assert.ok(blobs.includes(`topology/${tag}.json`), JSON.stringify(blobs));
    made = { container, backup: name };
    console.log(
      `[real buckets] missing container: FAILED (BucketNotFound) in ${t1 - t0} ms; with createMissingBucket ` +
        `made and backed up (${blobs.length} blobs) in ${Date.now() - t1} ms`,
    );
  });

  test('a restore from a container that does not exist fails in DOWNLOAD with BucketNotFound, even with skipBucketVerification', async () => {
    const container = `cbo-norestore-${randomToken(8)}`;
    const name = uniqueName('norestore');
    await restores.create(name, {
      cassandraCluster: CLUSTER,
      storageLocation: `azure://${container}`,
      snapshotTag: 'nightly',
      secretName: SECRET,
      entities: 'bucket_checks',
      skipBucketVerification: true,
    });
    const failed = await restores.waitFor(name, 'Succeeded decided', decided);
    const condition = conditionOf(failed);
    assert.equal(succeeded(failed), 'False', JSON.stringify(failed.status));
    assert.equal(condition?.reason, 'BucketNotFound');
    assert.match(condition?.message ?? '', /^DOWNLOAD failed on 1 of 1 node\(s\)/);
    assert.ok(condition?.message.includes(esopMissing(container)), condition?.message);
    await restores.waitForEvent(name, 'BucketNotFound');
    assert.equal(await store.exists(container), false);
  });

  test('a wrong account key in the sidecar’s environment: the backup fails with StorageAccessDenied and Azurite’s refusal, a restore with BucketCheckFailed and esop’s “Unable to determine …”', async () => {
    assert.ok(made, 'the createMissingBucket backup ran first');
    // The same sidecar, started again with another key (what a rotated key the sidecar never got does).
    await target.restartSidecar?.(store.sidecar({ AZURE_STORAGE_KEY: randomBytes(64).toString('base64') }));
    const name = uniqueName('wrongkey');
    await backups.create(name, {
      cassandraCluster: CLUSTER,
      storageLocation: `azure://${made.container}`,
      secretName: SECRET,
      entities: 'bucket_checks',
    });
    const failed = await backups.waitFor(name, 'Succeeded decided', decided);
    const condition = conditionOf(failed);
    assert.equal(succeeded(failed), 'False', JSON.stringify(failed.status));
    assert.equal(condition?.reason, 'StorageAccessDenied');
    assert.match(condition?.message ?? '', /Server failed to authenticate the request/);
    await backups.waitForEvent(name, 'BackupFailed');
    await backups.waitForEvent(name, 'StorageAccessDenied');
    console.log(`[real buckets] wrong key, backup: ${condition?.message}`);

    const restore = uniqueName('wrongkey-restore');
    await restores.create(restore, { cassandraCluster: CLUSTER, cassandraBackup: made.backup });
    const refused = await restores.waitFor(restore, 'Succeeded decided', decided);
    const why = conditionOf(refused);
    assert.equal(succeeded(refused), 'False', JSON.stringify(refused.status));
    assert.equal(why?.reason, 'BucketCheckFailed');
    await restores.waitForEvent(restore, 'BucketCheckFailed');
    assert.ok(
      why?.message.includes(`Unable to determine if the bucket ${made.container} exists.`),
      why?.message,
    );
    console.log(`[real buckets] wrong key, restore: ${why?.message}`);
  });

  test('no credential is in the operator’s log', () => {
    const logs = operator?.logs.join('\n') ?? '';
    assert.ok(!logs.includes(store.azurite.accountKey), 'the account key is in the operator log');
  });
});

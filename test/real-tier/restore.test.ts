// The operator end to end on the real tier: a real Cassandra 5.0.8 node with the real Icarus API next to
// it (test/contract/targets.ts), behind a Pod on the real kube-apiserver, with the real Temporal dev
// server. A CassandraBackup, rows deleted, a CassandraRestore: the deleted rows are back. And a backup to
// a real Azure Blob server (Azurite, test/support/azure-store.ts) verified by a CassandraRestore of mode
// Verify, then again after one of its objects was deleted and another changed through Azurite's API:
// the verify names the node and both files, and no row or truncated-* snapshot of the node changed.
// Run by `npm run test:real` (also in .ci/run); not part of `npm test`, which needs no Java.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomToken } from '../../dev/stack/storage-servers.js';
import type { CassandraRestoreStatus } from '../../src/kube/api/resources.js';
import { realTarget, type ContractTarget } from '../contract/targets.js';
import { workDir } from '../storage/support.js';
import { cannotServe443, startAzureStore, type AzureStore } from '../support/azure-store.js';
import { Backups, Restores, decided, succeeded } from '../support/custom-resources.js';
import { createRealNodePod } from '../support/real-node-pod.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

let kc: KubeConfig;
let namespace: string;
let target: ContractTarget;
let operator: OperatorProcess | undefined;
let backups: Backups;
let restores: Restores;
let pod: string;
const CLUSTER = 'contract';
const work = workDir('real-restore');
/** Why the verify on Azurite cannot run here (port 443), or false. */
const azureUnavailable = await cannotServe443();
let azure: AzureStore | undefined;

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'real-restore');
  if (!azureUnavailable) azure = await startAzureStore(work.dir);
  target = await realTarget(azure?.sidecar() ?? {});
  const node = target.nodes[0];
  if (!node) throw new Error('the real target has no node');
  const core = kc.makeApiClient(CoreV1Api);
  pod = await createRealNodePod(kc, namespace, CLUSTER, node.dc);
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'no-credentials' } } });
  if (azure) {
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'azure-credentials' },
        stringData: {
          azurestorageaccount: azure.azurite.accountName,
          azurestoragekey: azure.azurite.accountKey,
        },
      },
    });
  }
  operator = startOperator({
    // The operator reads the backups' manifests from Azurite under Azure's name too.
    ...(azure
      ? {
          CBO_TEST_CLOUD_HOSTS: JSON.stringify({ '.blob.core.windows.net': azure.host }),
          NODE_EXTRA_CA_CERTS: azure.certFile,
        }
      : {}),
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('real-restore'),
    ICARUS_PORT: new URL(node.url).port,
    ICARUS_GENERATION: 'auto',
    ICARUS_POLL_INTERVAL_MS: '500',
    CASSANDRA_DATA_DIRS: target.dataDirs.join(','),
    CASSANDRA_DIRECTORY: target.cassandraDirectory,
    RESTORE_DOWNLOAD_DIR: target.downloadDir,
  });
  const logs = () => operator?.logs.slice(-40).join('\n') ?? '';
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await target?.stop();
  await azure?.stop();
  work.remove();
});

test('real Cassandra + Icarus: rows deleted after a backup are back after the restore', async () => {
  const rows = [
    { id: 1, v: 'one' },
    { id: 2, v: 'two' },
    { id: 3, v: 'three' },
    { id: 4, v: 'four' },
  ];
  const byId = (r: Record<string, unknown>[]) => [...r].sort((a, b) => Number(a.id) - Number(b.id));
  await target.putRows('shop.orders', rows);
  const backup = uniqueName('backup');
  await backups.create(backup, {
    cassandraCluster: CLUSTER,
    storageLocation: target.bucket,
    secretName: 'no-credentials',
    entities: 'shop',
  });
  const backedUp = await backups.waitFor(backup, 'Succeeded=True', decided);
  assert.equal(succeeded(backedUp), 'True', JSON.stringify(backedUp.status));

  // A bad day: rows deleted.
  await target.putRows('shop.orders', rows.slice(0, 1));
  assert.deepEqual(await target.rows('shop.orders'), rows.slice(0, 1));

  const name = uniqueName('restore');
  await restores.create(name, { cassandraCluster: CLUSTER, cassandraBackup: backup, entities: 'shop' });
  const restored = await restores.waitFor(name, 'Succeeded decided', decided);
  assert.equal(succeeded(restored), 'True', JSON.stringify(restored.status));
  assert.deepEqual(
    restored.status?.phases?.map((p) => [p.name, p.state]),
    [
      ['DOWNLOAD', 'COMPLETED'],
      ['TRUNCATE', 'COMPLETED'],
      ['IMPORT', 'COMPLETED'],
      ['CLEANUP', 'COMPLETED'],
    ],
  );
  const back = byId(await target.rows('shop.orders'));
  console.log(`[real tier] rows after the operator's restore: ${JSON.stringify(back)}`);
  assert.deepEqual(back, byId(rows));
});

/** The node's truncated-* snapshots, by table folder: what a CLEANUP without noDeleteTruncates deletes. */
function truncatedSnapshots(): string[] {
  const dataDir = target.dataDirs[0] ?? '';
  return readdirSync(dataDir).flatMap((ks) =>
    readdirSync(join(dataDir, ks)).flatMap((table) => {
      const snapshots = join(dataDir, ks, table, 'snapshots');
      return existsSync(snapshots)
        ? readdirSync(snapshots)
            .filter((s) => s.startsWith('truncated-'))
            .map((s) => `${ks}/${table}/${s}`)
        : [];
    }),
  );
}

test(
  'real Cassandra + Icarus + Azurite: a Verify restore verifies the backup, then names the node and both files once one object is deleted and another changed; no row or truncated-* snapshot touched',
  { skip: azureUnavailable },
  async () => {
    assert.ok(azure);
    const tables = ['verify_ks.items', 'verify_ks.more'];
    const rowsOf = (table: string) => Array.from({ length: 300 }, (_, id) => ({ id, v: `${table}:${id}` }));
    const byId = (r: Record<string, unknown>[]) => [...r].sort((a, b) => Number(a.id) - Number(b.id));
    // Each table filled twice: the second TRUNCATE leaves a truncated-* snapshot (auto_snapshot), which
    // a CLEANUP without noDeleteTruncates would delete.
    for (const table of tables) {
      await target.putRows(table, rowsOf(table).slice(0, 20));
      await target.putRows(table, rowsOf(table));
    }
    const container = `cbo-verify-${randomToken(10).toLowerCase()}`;
    await azure.blobs.getContainerClient(container).create();
    const backup = uniqueName('backup');
    await backups.create(backup, {
      cassandraCluster: CLUSTER,
      storageLocation: `azure://${container}`,
      secretName: 'azure-credentials',
      entities: 'verify_ks',
    });
    const backedUp = await backups.waitFor(backup, 'Succeeded decided', decided);
    assert.equal(succeeded(backedUp), 'True', JSON.stringify(backedUp.status));
    const truncated = truncatedSnapshots();
    assert.ok(truncated.length > 0, 'the node holds truncated-* snapshots to keep');

    // The node's files, listed through Azurite's own API.
    const node = target.nodes[0];
    assert.ok(node);
    const folder = `${CLUSTER}/${node.dc}/${node.hostId}/`;
    const keys = (await azure.list(container))
      .filter((k) => k.startsWith(`${folder}data/`))
      .map((k) => k.slice(folder.length));
    const verify = async (): Promise<{ status: CassandraRestoreStatus; uid: string }> => {
      const name = uniqueName('verify');
      const created = await restores.create(name, {
        cassandraCluster: CLUSTER,
        cassandraBackup: backup,
        mode: 'Verify',
      });
      const done = await restores.waitFor(name, 'Succeeded decided', decided);
      for (const table of tables) assert.deepEqual(byId(await target.rows(table)), rowsOf(table));
      assert.deepEqual(truncatedSnapshots(), truncated, 'every truncated-* snapshot kept');
      const downloads = `${target.downloadDir.replace(/^file:\/\//, '')}/verify-${created.metadata.uid}`;
      assert.ok(!existsSync(downloads), `${downloads}: CLEANUP deleted the verify's downloads`);
      return { status: done.status ?? {}, uid: created.metadata.uid ?? '' };
    };

    const intact = await verify();
    const ok = intact.status.conditions?.find((c) => c.type === 'Succeeded');
    assert.equal(ok?.status, 'True', JSON.stringify(intact.status));
    assert.equal(ok?.reason, 'BackupVerified');
    const [entry] = intact.status.nodes ?? [];
    assert.equal(entry?.pod, pod);
    assert.equal(entry?.verifiedFiles, keys.length, `every file of the node: ${JSON.stringify(keys)}`);
    assert.ok((entry?.verifiedBytes ?? 0) > 0);
    assert.match(
      ok?.message ?? '',
      new RegExp(`: 1 node\\(s\\), ${keys.length} file\\(s\\), ${entry?.verifiedBytes} bytes verified`),
    );

    // Damage, through the storage server's API: one SSTable object deleted, a byte of another flipped.
    const gone = keys.find((k) => k.startsWith('data/verify_ks/items-') && k.endsWith('-Data.db'));
    const changed = keys.find((k) => k.startsWith('data/verify_ks/more-') && k.endsWith('-Data.db'));
    assert.ok(gone && changed, JSON.stringify(keys));
    const blobs = azure.blobs.getContainerClient(container);
    await blobs.deleteBlob(`${folder}${gone}`);
    const bytes = await blobs.getBlockBlobClient(`${folder}${changed}`).downloadToBuffer();
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await blobs.getBlockBlobClient(`${folder}${changed}`).uploadData(bytes);

    const damaged = await verify();
    const failed = damaged.status.conditions?.find((c) => c.type === 'Succeeded');
    assert.equal(failed?.status, 'False', JSON.stringify(damaged.status));
    assert.equal(failed?.reason, 'BackupVerificationFailed');
    const message = failed?.message ?? '';
    console.log(`[real tier] the damaged backup's verify: ${message}`);
    assert.match(
      message,
      new RegExp(`failed verification on 1 of 1 node\\(s\\): ${pod} \\(host id ${node.hostId}\\)`),
    );
    assert.ok(message.includes(gone) && message.includes(changed), message);
    assert.deepEqual(
      damaged.status.phases?.map((p) => [p.name, p.state]),
      [
        ['DOWNLOAD', 'FAILED'],
        ['CLEANUP', 'COMPLETED'],
      ],
    );
  },
);

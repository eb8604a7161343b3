// A restore never destroys what its backup does not hold. Icarus truncates every current table of the
// keyspaces it is given; the operator reads the backup's manifests and names only the backup's tables.
// Where it cannot read them (here: simulated s3:// buckets, which are folders inside the simulator, while
// dev/stack/cloud-hosts.mjs keeps every test process off the real clouds), truncated files are kept
// and a Warning says so. file:// buckets are folders both the simulator and the operator see, as a
// volume mounted in both would be.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Row } from '../../dev/icarus-simulator/cluster.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, restoresPerNode, decided, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

let kc: KubeConfig;
let namespace: string;
let backups: Backups;
let restores: Restores;
const clusters: PodCluster[] = [];
let operator: OperatorProcess;
const folder = mkdtempSync(join(tmpdir(), 'cbo-restore-tables-'));

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'e2e-restore-tables');
  const logs = () => operator.logs.slice(-30).join('\n');
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  await createS3Secret(kc, namespace, 'creds');
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-restore-tables'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
  });
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
  rmSync(folder, { recursive: true, force: true });
});

const ORDERS = 'shop.orders';
const WISHLIST = 'shop.wishlist';

/** Two nodes holding shop.orders, backed up to `location`; then shop.wishlist is created with rows. */
async function backedUpThenNewTable(location: string): Promise<{ c: PodCluster; backup: string }> {
  const c = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 2 },
    timing: { durationMs: 300, pendingMs: 20 },
    buckets: [location],
  });
  clusters.push(c);
  c.cluster.nodes.forEach((n, i) => n.data.set(ORDERS, [{ id: i, item: `book-${i}` }]));
  const backup = uniqueName('backup');
  await backups.create(backup, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'creds',
  });
  await backups.waitFor(backup, 'Succeeded=True', (b) => succeeded(b) === 'True');
  // After the backup: a new table with rows, and a bad day for the orders.
  c.cluster.nodes.forEach((n, i) => {
    n.data.set(WISHLIST, [{ id: i, item: `wish-${i}` }]);
    n.data.set(ORDERS, []);
  });
  return { c, backup };
}

const rows = (c: PodCluster, table: string): Row[][] => c.cluster.nodes.map((n) => n.data.get(table) ?? []);
const sentEntities = (c: PodCluster) => [
  ...new Set(
    c.cluster.nodes.flatMap((n) =>
      n.simulator.received.filter((r) => r.type === 'restore').map((r) => String(r.request.entities)),
    ),
  ),
];

test('manifests readable: only the backup’s tables are truncated; a table created since keeps its rows', async () => {
  const { c, backup } = await backedUpThenNewTable(`file://${folder}/bucket`);
  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    entities: 'shop',
  });
  const done = await restores.waitFor(name, 'decided', decided);
  assert.equal(succeeded(done), 'True', JSON.stringify(done.status));
  assert.deepEqual(rows(c, ORDERS), [[{ id: 0, item: 'book-0' }], [{ id: 1, item: 'book-1' }]]);
  assert.deepEqual(rows(c, WISHLIST), [[{ id: 0, item: 'wish-0' }], [{ id: 1, item: 'wish-1' }]]);
  assert.deepEqual(sentEntities(c), [ORDERS], 'every phase named the backup’s table, not the keyspace');
  const read = await restores.waitForEvent(name, 'BackupTablesRead', 'Normal');
  assert.match(
    read.message,
    /holds 1 table\(s\) \(2 manifest\(s\) read\); this restore truncates and imports only 1: shop\.orders/,
  );
});

test('manifests unreadable: a Warning says what TRUNCATE may take, and the truncated rows stay on the nodes', async () => {
  const { c, backup } = await backedUpThenNewTable(`s3://${uniqueName('tables')}`);
  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    entities: 'shop',
  });
  const done = await restores.waitFor(name, 'decided', decided);
  assert.equal(succeeded(done), 'True', JSON.stringify(done.status));
  const warning = await restores.waitForEvent(name, 'BackupContentsUnknown');
  assert.match(warning.message, /could not read the backup's manifests \(.*ENOTFOUND.*\)/);
  assert.match(
    warning.message,
    /TRUNCATE empties every table of keyspace\(s\) shop, including any created after the backup/,
  );
  assert.deepEqual(rows(c, ORDERS), [[{ id: 0, item: 'book-0' }], [{ id: 1, item: 'book-1' }]]);
  // Icarus's own choice emptied the new table, but every node kept it in its truncated snapshot.
  assert.deepEqual(rows(c, WISHLIST), [[], []]);
  assert.deepEqual(
    c.cluster.nodes.map((n) => n.truncated.get(WISHLIST)),
    [[{ id: 0, item: 'wish-0' }], [{ id: 1, item: 'wish-1' }]],
  );
  const cleanups = c.cluster.nodes.flatMap((n) =>
    n.simulator.received.filter((r) => r.type === 'restore' && r.request.restorationPhase === 'CLEANUP'),
  );
  assert.equal(cleanups.length, 2);
  assert.ok(cleanups.every((r) => r.request.noDeleteTruncates === true));
});

test('a table the backup does not hold is refused before any node works', async () => {
  const { c, backup } = await backedUpThenNewTable(`file://${folder}/refused`);
  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    entities: `${ORDERS},${WISHLIST}`,
  });
  const done = await restores.waitFor(name, 'decided', decided);
  assert.equal(succeeded(done), 'False');
  const condition = done.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'EntitiesNotInBackup');
  assert.match(
    String(condition?.message),
    /names shop\.wishlist, which the backup does not hold \(its keyspaces: shop\); nothing was truncated/,
  );
  assert.deepEqual(restoresPerNode(c), [{}, {}], 'no restore operation reached a node');
  assert.deepEqual(rows(c, WISHLIST), [[{ id: 0, item: 'wish-0' }], [{ id: 1, item: 'wish-1' }]]);
  await restores.waitForEvent(name, 'RestoreFailed');
});

test('a restore from a location by a tag it does not hold is refused before any node works, naming the backups it found', async () => {
  const { c, backup } = await backedUpThenNewTable(`file://${folder}/tags`);
  const tag = (await backups.get(backup)).status?.snapshotTag ?? '';
  assert.ok(tag, 'the backup’s tag');
  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: `file://${folder}/tags`,
    snapshotTag: 'no-such-tag',
    secretName: 'creds',
  });
  const done = await restores.waitFor(name, 'decided', decided);
  assert.equal(succeeded(done), 'False');
  const condition = done.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'SnapshotTagNotFound');
  assert.match(
    String(condition?.message),
    new RegExp(
      `^No backup no-such-tag in file://${folder}/tags: .* found only [12] manifest\\(s\\) of other backups \\(${tag}[^)]*\\.json\\)\\. No node was asked to do anything`,
    ),
  );
  assert.deepEqual(restoresPerNode(c), [{}, {}], 'no restore operation reached a node');
  await restores.waitForEvent(name, 'SnapshotTagNotFound');
});

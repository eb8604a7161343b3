// A restore with mode Verify, end to end on the real kube-apiserver and Temporal dev server with simulated
// Icarus nodes (which check each downloaded file against the manifest's SHA-256, as esop does): a backup
// verified on every node touches no table and keeps every truncated-* snapshot; the same backup with one
// object deleted and another changed in the bucket fails, naming the node and both files; a schedule
// with verifyBackups verifies each backup it makes. The bucket is file://, which the operator reads too,
// so the status gives each node's files and bytes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OVERLAP } from '../../src/temporal/schedule.js';
import type { PodCluster } from '../support/cassandra-pods.js';
import { decided, restoresPerNode, succeeded } from '../support/custom-resources.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';
import { TABLES, VerifyWorld } from '../support/e2e/verify.js';

const world = new VerifyWorld();

before(async () => {
  await world.start('e2e-verify');
});
after(() => world.stop());

/** Every node's rows of both tables, and its truncated-* snapshots: what a verify must not touch. */
const tablesOf = (c: PodCluster) =>
  JSON.stringify(
    c.cluster.nodes.map((n) => ({
      data: TABLES.map((t) => n.data.get(t)),
      truncated: [...n.truncated.entries()],
    })),
  );

/** The restore requests each node received, by phase. */
const requestsOf = (c: PodCluster, phase: string) =>
  c.cluster.nodes.flatMap((n) =>
    n.simulator.received
      .filter((r) => r.type === 'restore' && r.request.restorationPhase === phase)
      .map((r) => r.request),
  );

test('a Verify restore downloads and checks every node’s files, then cleans up: no table touched, the files and bytes per node', async () => {
  const c = await world.cluster();
  const { name: backup, tag } = await world.backedUp(c);
  // After the backup: rows change, and a node holds another restore's truncated-* snapshot.
  c.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: 100 + i, item: 'new' }]));
  c.cluster.nodes[0]?.truncated.set('shop.carts', [{ id: 7, item: 'kept' }]);
  const before = tablesOf(c);

  const name = uniqueName('verify');
  const created = await world.restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    mode: 'Verify',
  });
  const done = await world.restores.waitFor(name, 'decided', decided);
  assert.equal(succeeded(done), 'True', JSON.stringify(done.status));
  const condition = done.status?.conditions?.find((x) => x.type === 'Succeeded');
  const expected = c.cluster.nodes.map((_, i) => world.files(c, i, tag));
  const files = expected.reduce((sum, f) => sum + f.length, 0);
  const bytes = expected.flat().reduce((sum, f) => sum + f.size, 0);
  assert.equal(condition?.reason, 'BackupVerified');
  assert.match(
    condition?.message ?? '',
    new RegExp(`: 3 node\\(s\\), ${files} file\\(s\\), ${bytes} bytes verified`),
  );
  assert.deepEqual(
    done.status?.nodes?.map((n) => [n.pod, n.verifiedFiles, n.verifiedBytes]),
    c.pods.map((pod, i) => [pod, expected[i]?.length, expected[i]?.reduce((sum, f) => sum + f.size, 0)]),
  );
  assert.deepEqual(
    done.status?.phases?.map((p) => [p.name, p.state]),
    [
      ['DOWNLOAD', 'COMPLETED'],
      ['CLEANUP', 'COMPLETED'],
    ],
  );
  assert.deepEqual(
    restoresPerNode(c),
    c.pods.map(() => ({ DOWNLOAD: 1, CLEANUP: 1 })),
    'never TRUNCATE, never IMPORT',
  );
  assert.equal(tablesOf(c), before, 'every row and truncated-* snapshot as it was');
  const folder = `file:///var/lib/cassandra/downloadedsstables/verify-${created.metadata.uid}`;
  for (const request of [...requestsOf(c, 'DOWNLOAD'), ...requestsOf(c, 'CLEANUP')]) {
    assert.equal(
      (request.import as { sourceDir?: string }).sourceDir,
      folder,
      'a download folder of its own',
    );
  }
  assert.ok(requestsOf(c, 'CLEANUP').every((r) => r.noDeleteTruncates === true));
  await world.restores.waitForEvent(name, 'BackupVerified', 'Normal');
});

test('a backup with an object deleted and another changed in the bucket fails verification, naming the node and both files; no table touched', async () => {
  const c = await world.cluster();
  const { name: backup, tag } = await world.backedUp(c);
  const [orders, carts] = TABLES.map(
    (t) => world.files(c, 1, tag).find((f) => f.objectKey.includes(`/${t.split('.')[1] ?? ''}-`))?.objectKey,
  );
  assert.ok(orders && carts);
  world.deleteObject(c, 1, orders);
  world.flipByte(c, 1, carts);
  const before = tablesOf(c);

  const name = uniqueName('verify');
  await world.restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    mode: 'Verify',
  });
  const done = await world.restores.waitFor(name, 'decided', decided);
  assert.equal(succeeded(done), 'False', JSON.stringify(done.status));
  const condition = done.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BackupVerificationFailed');
  const message = condition?.message ?? '';
  assert.match(message, new RegExp(`failed verification on 1 of 3 node\\(s\\): ${c.pods[1]} \\(host id `));
  assert.ok(message.includes(orders) && message.includes(carts), message);
  for (const pod of [c.pods[0], c.pods[2]])
    assert.ok(!message.includes(`${pod ?? '?'} (`), `${pod} verified`);
  assert.deepEqual(
    restoresPerNode(c),
    c.pods.map(() => ({ DOWNLOAD: 1, CLEANUP: 1 })),
    'CLEANUP on every node, the failed one too; never TRUNCATE or IMPORT',
  );
  assert.equal(tablesOf(c), before);
  assert.deepEqual(
    done.status?.errors?.map((e) => e.source),
    [c.pods[1]],
  );
  const warning = await world.restores.waitForEvent(name, 'BackupVerificationFailed');
  assert.equal(warning.message, message);
});

test('a schedule with verifyBackups verifies each backup it makes: <backup>-verify, owned by the backup', async () => {
  const c = await world.cluster();
  const schedule = uniqueName('vsched');
  await world.schedules.create(schedule, {
    schedules: ['0 3 * * *'],
    verifyBackups: true,
    backupTemplate: {
      spec: { cassandraCluster: c.cluster.opts.name, storageLocation: world.bucket, secretName: 'creds' },
    },
  });
  const ready = await world.schedules.waitFor(schedule, 'Ready', (s) => !!s.status?.scheduleId);
  await world.temporal.client.schedule
    .getHandle(ready.status?.scheduleId ?? '')
    .trigger(OVERLAP[ready.spec.concurrencyPolicy]);
  const backup = await eventually(
    `a backup of ${schedule}`,
    async () => (await world.backups.ofSchedule(schedule))[0],
  );
  assert.ok(backup.metadata.name);
  const verify = `${backup.metadata.name}-verify`;
  const done = await world.restores.waitFor(verify, 'decided', decided);
  assert.equal(succeeded(done), 'True', JSON.stringify(done.status));
  assert.equal(done.spec.mode, 'Verify');
  assert.deepEqual(
    done.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
    [['CassandraBackup', backup.metadata.name, backup.metadata.uid]],
  );
  assert.ok((done.status?.nodes ?? []).every((n) => (n.verifiedFiles ?? 0) > 0));
  await world.schedules.waitForEvent(schedule, 'VerifyCreated', 'Normal');
});

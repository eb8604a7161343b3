// Backups from storage alone, end to end on the real stack (the operator process, the real kube-apiserver
// and Temporal dev server, simulated Icarus nodes behind real Pods): a CassandraBackupSync lists a
// file:// location that holds a real Icarus global backup (test/fixtures/icarus-global-backup), makes
// each backup a read-only CassandraBackup that a restore names, and writes nothing to storage; a missing
// Secret or location is the Synced condition and an Event, and the retry annotation lists again at once.
// The real storage servers (S3, Azure Blob, GCS) are in the real tier (test/real-tier/cloud-storage.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Condition } from '../../src/kube/api/resources.js';
import { RETRY_ANNOTATION } from '../../src/operator/annotation-requests.js';
import { type Backups, type Restores, type Syncs, succeeded } from '../support/custom-resources.js';
import {
  FIXTURE_BUCKET,
  fixture,
  fixtureRows,
  NEWER,
  OLDER,
  startFixtureCluster,
} from '../support/e2e/global-backup-fixture.js';
import { ORDERS, RestoreWorld, rowsOf } from '../support/e2e/restore.js';
import { kubectlAnnotate } from '../support/kubectl.js';
import { uniqueName } from '../support/stack-env.js';

const world = new RestoreWorld();
let kc: KubeConfig;
let namespace: string;
let backups: Backups;
let restores: Restores;
let syncs: Syncs;
const folders: string[] = [];

before(async () => {
  ({ kc, namespace, backups, restores, syncs } = await world.start());
});
after(async () => {
  await world.stop();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** A folder with the fixture's bucket in it: `file://<folder>/bucket`. */
function bucketCopy(): { dir: string; location: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cbo-sync-'));
  folders.push(dir);
  cpSync(FIXTURE_BUCKET, join(dir, 'bucket'), { recursive: true });
  return { dir, location: `file://${dir}/bucket` };
}

/** Every file under the folder with the SHA-256 of its content: what "nothing was written" compares. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[path.slice(dir.length)] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

const synced = (s: { status?: { conditions?: Condition[] } }) =>
  s.status?.conditions?.find((c) => c.type === 'Synced');

test('a sync imports the two backups of a real Icarus global backup as CassandraBackups; a restore names the older one; storage is untouched', async () => {
  const { dir, location } = bucketCopy();
  const before = contents(dir);
  const c = await startFixtureCluster(kc, namespace, world.clusters);
  c.cluster.nodes.forEach((n, i) => n.data.set(ORDERS, [{ id: i * 10 + 9, item: 'written later' }]));

  const name = uniqueName('sync');
  await syncs.create(name, { storageLocation: location, secretName: 'creds' });
  const done = await syncs.waitFor(name, 'Synced=True with 2 imported', (s) => {
    return synced(s)?.status === 'True' && s.status?.importedCount === 2;
  });
  assert.equal(done.status?.backupCount, 2);
  assert.match(
    synced(done)?.message ?? '',
    /holds 2 backup\(s\); imported nightly-1795560000000, nightly-1795500000000$/,
  );
  assert.deepEqual(
    done.status?.backups?.map((b) => [
      b.backup,
      b.snapshotTag,
      b.cluster,
      b.datacenters,
      b.nodes,
      b.expectedNodes,
      b.complete,
    ]),
    [
      ['nightly-1795560000000', NEWER, 'fixture', 'dc1', 3, 3, true],
      ['nightly-1795500000000', OLDER, 'fixture', 'dc1', 3, 3, true],
    ],
    'both backups, newest first, named by tag and time (the tag is not unique)',
  );
  assert.ok((done.status?.backups?.[0]?.files ?? 0) > 0 && (done.status?.backups?.[0]?.bytes ?? 0) > 0);
  await syncs.waitForEvent(name, 'BackupImported', 'Normal');

  for (const [backupName, tag] of [
    ['nightly-1795560000000', NEWER],
    ['nightly-1795500000000', OLDER],
  ] as const) {
    const b = await backups.waitFor(backupName, 'Succeeded=True', (x) => succeeded(x) === 'True');
    assert.equal(b.spec.imported, true);
    assert.equal(b.spec.snapshotTag, tag);
    assert.equal(b.spec.cassandraCluster, 'fixture');
    assert.equal(b.spec.deletionPolicy, 'Retain');
    assert.equal(b.metadata.labels?.['db.ibm.com/backup-sync'], name);
    assert.equal(b.metadata.ownerReferences?.[0]?.kind, 'CassandraBackupSync');
    assert.equal(b.status?.state, 'COMPLETED');
    assert.equal(b.status?.snapshotTag, tag);
    assert.equal(b.status?.schemaVersion, fixture.schemaVersion);
    assert.deepEqual(
      b.status?.nodes?.map((n) => [n.pod, n.hostId, n.initialToken]),
      fixture.nodes.map((n, i) => [`fixture-cassandra-dc1-${i}`, n.hostId, n.tokens.join(',')]),
      'each backup node with the tokens a node of a rebuilt cluster starts with (initial_token)',
    );
    const condition = b.status?.conditions?.find((x) => x.type === 'Succeeded');
    assert.equal(condition?.reason, 'BackupImported');
    assert.match(
      condition?.message ?? '',
      new RegExp(`^Imported ${tag} from ${location}: .*3 node\\(s\\) in dc1`),
    );
  }
  assert.equal(
    c.cluster.nodes.flatMap((n) => n.simulator.received.filter((r) => r.type === 'backup')).length,
    0,
    'an imported backup sends no backup request',
  );

  const restore = uniqueName('restore');
  await restores.create(restore, { cassandraCluster: 'fixture', cassandraBackup: 'nightly-1795500000000' });
  await restores.waitFor(restore, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), fixtureRows(c, 'old'), 'every node has its rows of the older backup back');
  for (const n of c.cluster.nodes) {
    for (const r of n.simulator.received.filter((x) => x.type === 'restore')) {
      assert.equal(r.request.storageLocation, `${location}/fixture/dc1/${n.identity.hostId}`);
      assert.equal(r.request.snapshotTag, OLDER);
    }
  }
  assert.deepEqual(contents(dir), before, 'nothing in storage was written');

  // Listed again (a spec change): nothing new, the same two, no second import.
  const again = await syncs.get(name);
  await syncs.custom.patchNamespacedCustomObject({
    group: 'db.ibm.com',
    version: 'v1alpha1',
    plural: 'cassandrabackupsyncs',
    namespace,
    name,
    body: [{ op: 'replace', path: '/spec/interval', value: '2h' }],
  });
  const relisted = await syncs.waitFor(
    name,
    'listed again for the new generation',
    (s) => (s.status?.observedGeneration ?? 0) > (again.metadata.generation ?? 1),
  );
  assert.match(synced(relisted)?.message ?? '', /nothing new to import$/);
  assert.equal(relisted.status?.importedCount, 2);
});

test('a missing Secret and a missing folder are the Synced condition and a Warning Event; the retry annotation lists again at once', async () => {
  const noSecret = uniqueName('sync');
  await syncs.create(noSecret, { storageLocation: bucketCopy().location, secretName: 'nowhere' });
  const refused = await syncs.waitFor(noSecret, 'Synced=False', (s) => synced(s)?.status === 'False');
  assert.equal(synced(refused)?.reason, 'SecretNotFound');
  await syncs.waitForEvent(noSecret, 'SecretNotFound');

  const dir = mkdtempSync(join(tmpdir(), 'cbo-sync-'));
  folders.push(dir);
  const name = uniqueName('sync');
  // A long interval: only the annotation can make it list again within the test.
  await syncs.create(name, { storageLocation: `file://${dir}/bucket`, secretName: 'creds', interval: '24h' });
  const missing = await syncs.waitFor(name, 'Synced=False', (s) => synced(s)?.status === 'False');
  assert.equal(synced(missing)?.reason, 'StorageUnreachable');
  assert.match(synced(missing)?.message ?? '', /ENOENT.*mount the folder into the operator's Pod/);
  await syncs.waitForEvent(name, 'StorageUnreachable');

  cpSync(FIXTURE_BUCKET, join(dir, 'bucket'), { recursive: true });
  await kubectlAnnotate(namespace, `cassandrabackupsync/${name}`, `${RETRY_ANNOTATION}=now`);
  const found = await syncs.waitFor(name, 'Synced=True', (s) => synced(s)?.status === 'True');
  assert.equal(found.status?.backupCount, 2);
  // Another location than the first test's: imported again, under names of their own (those are taken).
  assert.equal(found.status?.importedCount, 2);
});

test('a hand-made imported backup whose tag the location does not hold fails with SnapshotTagNotFound; Delete is refused for an imported backup', async () => {
  const { location } = bucketCopy();
  const name = uniqueName('imported');
  await backups.create(name, {
    cassandraCluster: 'fixture',
    storageLocation: location,
    secretName: 'creds',
    snapshotTag: 'weekly',
    imported: true,
  });
  const failed = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'SnapshotTagNotFound');
  assert.match(condition?.message ?? '', /holds no backup whose name starts with weekly/);

  const byTag = uniqueName('imported');
  await backups.create(byTag, {
    cassandraCluster: 'fixture',
    storageLocation: location,
    secretName: 'creds',
    snapshotTag: 'nightly',
    imported: true,
  });
  const newest = await backups.waitFor(byTag, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(newest.status?.snapshotTag, NEWER, 'a tag names its newest backup');

  await assert.rejects(
    backups.create(uniqueName('imported'), {
      cassandraCluster: 'fixture',
      storageLocation: location,
      secretName: 'creds',
      snapshotTag: 'nightly',
      imported: true,
      deletionPolicy: 'Delete',
    }),
    (err: Error) =>
      /an imported backup keeps its data/.test(err.message) ||
      /an imported backup keeps its data/.test(JSON.stringify(err)),
  );
});
